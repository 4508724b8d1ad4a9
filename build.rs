fn main() {
    fixture_runtime::build::fixtures("fixtures");
    fixture_runtime::build::scenarios("scenarios");
    #[cfg(feature = "runbooks")]
    fixture_runtime::build::runbooks("runbooks");
}
