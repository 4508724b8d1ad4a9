fn main() {
    fixture_runtime::build::fixtures("fixtures");
}
