//! Parses `#[fixture_suite(fixtures = "...")]`.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::{LitStr, Result};

/// The attribute's arguments.
pub struct Args {
    /// The folder the suite reads, relative to the package.
    pub root: String,
}

impl Args {
    /// Parses `<key> = "<folder>"`, with `default` when absent.
    pub fn parse(attr: TokenStream, key: &str) -> Result<Args> {
        let mut root = None;
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident(key) {
                let value: LitStr = meta.value()?.parse()?;
                let folder = value.value();
                if folder.is_empty() || folder.starts_with('/') || folder.contains('\\') {
                    return Err(syn::Error::new(
                        value.span(),
                        format!("`{key}` is a folder relative to the package, with `/` separators"),
                    ));
                }
                root = Some(value.value().trim_end_matches('/').to_owned());
                Ok(())
            } else {
                Err(meta.error(format!("unknown argument: expected `{key} = \"<folder>\"`")))
            }
        });
        parser.parse2(attr)?;
        Ok(Args {
            root: root.unwrap_or_else(|| key.to_owned()),
        })
    }
}
