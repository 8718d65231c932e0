fn main() {
    std::process::exit(git_incident::cli::main());
}
