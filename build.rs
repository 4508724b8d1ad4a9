fn main() {
    fixture_runtime::build::fixtures("fixtures");
    fixture_runtime::build::scenarios("scenarios");
    fixture_runtime::build::runbooks("runbooks");
}
