//! wormscope command line (placeholder).
mod events_cmd;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let status = match args.get(1).map(String::as_str) {
        Some("events") => events_cmd::run(&args[2..]),
        _ => {
            eprintln!("usage: wormscope events [--format jsonl|csv] [--year YEAR] [--tz ZONE] FILE...");
            2
        }
    };
    std::process::exit(status);
}
