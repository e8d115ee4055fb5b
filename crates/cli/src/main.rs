//! wormscope command line (placeholder).
mod synth_cmd;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let status = match args.get(1).map(String::as_str) {
        Some("synth") => synth_cmd::run(&args[2..]),
        _ => 0,
    };
    std::process::exit(status);
}
