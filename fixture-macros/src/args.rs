//! Parses `#[fixture_suite(fixtures = "...")]`.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::{LitStr, Result};

/// The attribute's arguments.
pub struct Args {
    /// The fixture folder, relative to the package.
    pub fixtures: String,
}

impl Args {
    pub fn parse(attr: TokenStream) -> Result<Args> {
        let mut fixtures = None;
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("fixtures") {
                let value: LitStr = meta.value()?.parse()?;
                let root = value.value();
                if root.is_empty() || root.starts_with('/') || root.contains('\\') {
                    return Err(syn::Error::new(
                        value.span(),
                        "`fixtures` is a folder relative to the package, with `/` separators",
                    ));
                }
                fixtures = Some(root.trim_end_matches('/').to_owned());
                Ok(())
            } else {
                Err(meta.error("unknown argument: expected `fixtures = \"<folder>\"`"))
            }
        });
        parser.parse2(attr)?;
        Ok(Args {
            fixtures: fixtures.unwrap_or_else(|| "fixtures".to_owned()),
        })
    }
}
