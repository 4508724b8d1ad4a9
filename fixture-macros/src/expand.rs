//! Writes the generated tests.

use std::collections::BTreeMap;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Ident, ItemFn};

use crate::args::Args;
use crate::manifest::{self, Entry, Manifest};

/// The annotated function plus one module per topic, one per task, one
/// `#[test]` per agent fixture and one `pipeline` test per task whose
/// goldens the rule checks together; or `compile_error!`s naming each
/// problem.
pub fn suite(args: &Args, item: TokenStream) -> TokenStream {
    let (func, manifest) = match prepare(&args.root, item, "malformed fixture tree") {
        Ok(prepared) => prepared,
        Err(tokens) => return tokens,
    };
    let suite_fn = &func.sig.ident;
    let root = root_expr(&args.root);
    let tests = manifest.entries.iter().map(|entry| {
        let Entry {
            test_name,
            id,
            local_verify,
        } = entry;
        let up = supers(test_name);
        let body = if *local_verify {
            let path = format!("/{id}/verify.rs");
            quote! {
                mod local {
                    ::core::include!(::core::concat!(#root, #path));
                }
                ::fixture_kit::__private::run_local(#up #suite_fn, #root, #id, local::verify);
            }
        } else {
            quote!(::fixture_kit::__private::run(#up #suite_fn, #root, #id);)
        };
        (test_name.as_str(), body)
    });
    let pipelines = manifest.pipelines.iter().map(|case| {
        let key = &case.key;
        let body = quote!(::fixture_kit::__private::run_pipeline(#root, #key););
        (case.test_name.as_str(), body)
    });
    let modules = nest(tests.chain(pipelines));
    quote! {
        #func
        #modules
    }
}

/// The annotated function plus one `#[test]` per case of a scenario or
/// runbook suite, each calling `::fixture_kit::__private::<runner>`;
/// manifest problems are reported as `<malformed>: <problem>`.
pub fn cases(args: &Args, item: TokenStream, runner: &str, malformed: &str) -> TokenStream {
    let (func, manifest) = match prepare(&args.root, item, malformed) {
        Ok(prepared) => prepared,
        Err(tokens) => return tokens,
    };
    let suite_fn = &func.sig.ident;
    let root = root_expr(&args.root);
    let runner = ident(runner);
    let tests = manifest.cases.iter().map(|case| {
        let up = supers(&case.test_name);
        let key = &case.key;
        let body = quote!(::fixture_kit::__private::#runner(#up #suite_fn, #root, #key););
        (case.test_name.as_str(), body)
    });
    let modules = nest(tests);
    quote! {
        #func
        #modules
    }
}

/// Parses the annotated function and reads the manifest of `root`; on any
/// problem, the tokens to return instead (errors plus the item unchanged).
pub fn prepare(
    root: &str,
    item: TokenStream,
    malformed: &str,
) -> Result<(ItemFn, Manifest), TokenStream> {
    let func = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(func) if func.sig.inputs.is_empty() => func,
        _ => {
            return Err(error(
                "this attribute goes on a function without parameters that returns the \
                 suite's settings, e.g. `fn suite() -> fixture_kit::Suite`",
                item,
            ))
        }
    };
    let manifest = manifest::read(root).map_err(|message| error(&message, item.clone()))?;
    if !manifest.problems.is_empty() {
        let errors = manifest.problems.iter().map(|problem| {
            let message = format!("{malformed}: {problem}");
            quote!(::core::compile_error!(#message);)
        });
        return Err(quote!(#(#errors)* #item));
    }
    Ok((func, manifest))
}

/// `CARGO_MANIFEST_DIR/<root>` as a string expression.
pub fn root_expr(root: &str) -> TokenStream {
    let suffix = format!("/{root}");
    quote!(::core::concat!(::core::env!("CARGO_MANIFEST_DIR"), #suffix))
}

/// `super::` once per module a test named `a::b::c` is nested in, to reach
/// the annotated function from inside it.
pub fn supers(test_name: &str) -> TokenStream {
    let depth = test_name.split("::").count() - 1;
    let up = std::iter::repeat_n(quote!(super::), depth);
    quote!(#(#up)*)
}

/// Nests `#[test]` functions by their `::`-separated names into modules.
pub fn nest<'a>(tests: impl IntoIterator<Item = (&'a str, TokenStream)>) -> TokenStream {
    #[derive(Default)]
    struct Node {
        children: BTreeMap<String, Node>,
        test: Option<TokenStream>,
    }
    fn emit(name: &str, node: &Node) -> TokenStream {
        let ident = ident(name);
        if let Some(body) = &node.test {
            return quote! {
                #[test]
                fn #ident() { #body }
            };
        }
        let children = node.children.iter().map(|(name, child)| emit(name, child));
        quote! {
            #[allow(non_snake_case)]
            mod #ident { #(#children)* }
        }
    }
    let mut root = Node::default();
    for (name, body) in tests {
        let node = name.split("::").fold(&mut root, |node, part| {
            node.children.entry(part.to_owned()).or_default()
        });
        node.test = Some(body);
    }
    let items = root.children.iter().map(|(name, child)| emit(name, child));
    quote!(#(#items)*)
}

fn ident(name: &str) -> Ident {
    format_ident!("{}", name, span = Span::call_site())
}

fn error(message: &str, item: TokenStream) -> TokenStream {
    let err = syn::Error::new(Span::call_site(), message).to_compile_error();
    quote!(#err #item)
}
