fn main() {
    println!("fixture-kit");
}
