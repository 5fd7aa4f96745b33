//! The `rightstrack` binary: parses the command line and hands over to a command.

mod accounts;
mod args;
mod backup;
mod classify;
mod cluster;
mod commands;
mod config;
mod demo;
mod report;
mod serve;
mod tracking;
mod tracking_args;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = args::Cli::parse();
    let settings = match config::Settings::resolve(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Err(e) = init_logging(&settings) {
        eprintln!("error: {e}");
        return std::process::ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(args, settings)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging(settings: &config::Settings) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log_level).map_err(|e| {
        format!(
            "the log level {:?} is not understood: {e}",
            settings.log_level
        )
    })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match settings.log_format {
        args::LogFormat::Json => builder.json().init(),
        args::LogFormat::Text => builder.init(),
    }
    Ok(())
}
