//! The `breadbox` binary: parses the command line, sets up logging, then hands over to
//! the library (`breadbox::run`) or a one-shot CLI command.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use breadbox::config;
use clap::{Args, Parser, Subcommand};

mod cli;

/// jemalloc, with its background thread returning freed pages within about a second: glibc's
/// per-thread arenas kept the pages of a finished import for good (benches/README.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Self-hosted personal-finance data server: one binary, one SQLite file.
#[derive(Parser)]
#[command(name = "breadbox", version, about, long_about = None)]
struct Cli {
    /// Directory holding breadbox.db (created on first start, mode 0600).
    #[arg(
        long,
        global = true,
        env = "BREADBOX_DATA_DIR",
        default_value = config::DEFAULT_DATA_DIR
    )]
    data_dir: PathBuf,
    /// Log lines on stderr: `text` (colours only on a terminal) or `json` (one object a line).
    #[arg(long, global = true, env = "BREADBOX_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once at start; clap cannot flatten a Box
enum Command {
    /// Run the HTTP API server.
    Serve(ServeArgs),
    /// Manage API keys offline (mint the first key here).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage household members.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Import bank files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write a backup (database snapshot + encryption key, checksummed) to FILE, or to a
    /// new timestamped file when FILE is a directory. Safe while the server runs.
    Backup {
        /// Destination file (must not exist) or directory.
        file: PathBuf,
        /// The key in use when it is not DIR/encryption.key.
        #[arg(long, env = "BREADBOX_ENCRYPTION_KEY", hide_env_values = true)]
        encryption_key: Option<String>,
    },
    /// Check a backup and make it the data directory's database (the server must be stopped).
    Restore {
        /// A file written by `breadbox backup` or by scheduled backups.
        file: PathBuf,
        /// Replace an existing database (the current files are kept, renamed).
        #[arg(long)]
        force: bool,
        /// Only check the backup; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The key the server will use when it is not DIR/encryption.key.
        #[arg(long, env = "BREADBOX_ENCRYPTION_KEY", hide_env_values = true)]
        encryption_key: Option<String>,
    },
    /// Print the OpenAPI document (JSON) on stdout.
    Openapi,
    /// Speak MCP on stdin/stdout, bridged to a running server's /mcp. The API key is read
    /// from BREADBOX_API_KEY; a read_only key sees only the read tools.
    Mcp(McpArgs),
}

#[derive(Args)]
struct McpArgs {
    /// Base URL of the running Breadbox server.
    #[arg(long, env = "BREADBOX_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import a bank CSV export (the same code as POST /api/v1/connections/csv/import).
    Csv(cli::CsvArgs),
}

#[derive(Args)]
#[allow(clippy::struct_excessive_bools)] // independent command-line switches
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "BREADBOX_LISTEN", default_value = config::DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Public base URL (for hosted-link URLs); default: taken from each request.
    #[arg(long, env = "BREADBOX_PUBLIC_URL")]
    public_url: Option<String>,
    /// Requests per minute per API key (per client IP before auth); 0 disables limiting.
    #[arg(long, env = "BREADBOX_RATE_LIMIT_RPM", default_value_t = config::DEFAULT_RATE_LIMIT_RPM)]
    rate_limit_rpm: u32,
    /// Largest burst of requests allowed at once.
    #[arg(long, env = "BREADBOX_RATE_LIMIT_BURST", default_value_t = config::DEFAULT_RATE_LIMIT_BURST)]
    rate_limit_burst: u32,
    /// Enable the built-in offline demo bank (provider `demo`).
    #[arg(long, env = "BREADBOX_DEMO", value_parser = clap::builder::BoolishValueParser::new())]
    demo: bool,
    /// How often each connection is synced, e.g. `12h`, `30m`, `90s`.
    #[arg(long, env = "BREADBOX_SYNC_INTERVAL", default_value = config::DEFAULT_SYNC_INTERVAL, value_parser = config::parse_interval)]
    sync_interval: std::time::Duration,
    /// Do not run scheduled syncs (manual and initial syncs still run).
    #[arg(long, env = "BREADBOX_NO_SCHEDULER", value_parser = clap::builder::BoolishValueParser::new())]
    no_scheduler: bool,
    /// Build hosted-link URLs from X-Forwarded-Host/-Proto (set only behind a reverse proxy).
    #[arg(long, env = "BREADBOX_TRUST_FORWARDED_HEADERS", value_parser = clap::builder::BoolishValueParser::new())]
    trust_forwarded_headers: bool,
    /// Base64 of a 32-byte key for provider credentials; default: DIR/encryption.key.
    #[arg(long, env = "BREADBOX_ENCRYPTION_KEY", hide_env_values = true)]
    encryption_key: Option<String>,
    #[command(flatten)]
    plaid: cli::provider_args::PlaidArgs,
    #[command(flatten)]
    simplefin: cli::provider_args::SimpleFinArgs,
    #[command(flatten)]
    teller: cli::provider_args::TellerArgs,
    /// Serve Prometheus metrics at /metrics (no user data in labels).
    #[arg(long, env = "BREADBOX_METRICS", value_parser = clap::builder::BoolishValueParser::new())]
    metrics: bool,
    /// Directory for scheduled backups (database + key); off when unset.
    #[arg(long, env = "BREADBOX_BACKUP_DIR")]
    backup_dir: Option<PathBuf>,
    /// How often a scheduled backup is taken, e.g. `1d`, `12h`.
    #[arg(long, env = "BREADBOX_BACKUP_INTERVAL", default_value = config::DEFAULT_BACKUP_INTERVAL, value_parser = config::parse_interval)]
    backup_interval: std::time::Duration,
    /// How many scheduled backups to keep (older ones are deleted).
    #[arg(long, env = "BREADBOX_BACKUP_KEEP", default_value_t = config::DEFAULT_BACKUP_KEEP, value_parser = clap::value_parser!(u16).range(1..))]
    backup_keep: u16,
    /// Most client connections open at once; more wait to be accepted.
    #[arg(long, env = "BREADBOX_MAX_CONNECTIONS", default_value_t = config::DEFAULT_MAX_CONNECTIONS, value_parser = clap::value_parser!(u16).range(1..))]
    max_connections: u16,
    /// A request's headers (and the next request on an idle kept-alive connection) must
    /// arrive within this time, e.g. `15s`; slower connections are closed.
    #[arg(long, env = "BREADBOX_HEADER_TIMEOUT", default_value = config::DEFAULT_HEADER_TIMEOUT, value_parser = config::parse_interval)]
    header_timeout: std::time::Duration,
    /// A request body must arrive within this time once read, e.g. `60s` (CSV imports get
    /// ten times it); slower uploads get 408.
    #[arg(long, env = "BREADBOX_BODY_TIMEOUT", default_value = config::DEFAULT_BODY_TIMEOUT, value_parser = config::parse_interval)]
    body_timeout: std::time::Duration,
}
#[derive(Subcommand)]
enum KeysCommand {
    /// Mint a key and print only the key on stdout (KEY=$(breadbox keys create --name admin)).
    Create {
        /// A label for people.
        #[arg(long, env = "BREADBOX_KEY_NAME")]
        name: String,
        /// full_access (default) or read_only.
        #[arg(long, env = "BREADBOX_KEY_SCOPE", default_value = "full_access", value_parser = ["full_access", "read_only"])]
        scope: String,
    },
    /// List keys (never the secrets).
    List,
    /// Revoke a key by id.
    Revoke {
        /// The key's id (UUID), as shown by `keys list`.
        id: String,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Add a household member and print the new user's id.
    Add {
        /// Display name.
        name: String,
        /// Optional email (unique).
        #[arg(long, env = "BREADBOX_USER_EMAIL")]
        email: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.log_format == "json");
    let result = match cli.command {
        Command::Serve(args) => serve(cli.data_dir, args),
        Command::Keys(cmd) => keys(&cli.data_dir, cmd),
        Command::Users(UsersCommand::Add { name, email }) => {
            cli::users_add(&cli.data_dir, &name, email.as_deref())
        }
        Command::Import(ImportCommand::Csv(args)) => cli::import_csv(&cli.data_dir, &args),
        Command::Backup {
            file,
            encryption_key,
        } => cli::backup::backup(&cli.data_dir, &file, encryption_key.as_deref()),
        Command::Mcp(args) => mcp(&args),
        Command::Restore {
            file,
            force,
            dry_run,
            encryption_key,
        } => {
            let opts = breadbox::store::backup::restore::Options {
                force,
                dry_run,
                configured_key: encryption_key,
            };
            cli::backup::restore(&cli.data_dir, &file, &opts)
        }
        Command::Openapi => print_stdout(&breadbox::api::spec::document(&breadbox::api::service(
            None,
        ))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn keys(data_dir: &std::path::Path, cmd: KeysCommand) -> anyhow::Result<()> {
    match cmd {
        KeysCommand::Create { name, scope } => cli::keys_create(data_dir, &name, &scope),
        KeysCommand::List => cli::keys_list(data_dir),
        KeysCommand::Revoke { id } => cli::keys_revoke(data_dir, &id),
    }
}

fn serve(data_dir: PathBuf, args: ServeArgs) -> anyhow::Result<()> {
    let mut config = breadbox::Config::new(data_dir);
    config.listen = args.listen;
    config.public_url = args.public_url.map(|u| u.trim_end_matches('/').to_owned());
    config.rate_limit_rpm = args.rate_limit_rpm;
    config.rate_limit_burst = args.rate_limit_burst;
    config.demo = args.demo;
    config.sync_interval = args.sync_interval;
    config.scheduler = !args.no_scheduler;
    config.trust_forwarded_headers = args.trust_forwarded_headers;
    config.encryption_key = args.encryption_key;
    config.plaid = args.plaid.into_config();
    config.simplefin.enabled = args.simplefin.state == "on";
    config.simplefin.allow_http = args.simplefin.allow_http;
    config.teller = args.teller.into();
    config.metrics = args.metrics;
    config.backup_dir = args.backup_dir;
    config.backup_interval = args.backup_interval;
    config.backup_keep = usize::from(args.backup_keep);
    config.max_connections = usize::from(args.max_connections);
    config.header_timeout = args.header_timeout;
    config.body_timeout = args.body_timeout;
    // Held until the server stops: a second server or a restore on this directory is refused.
    let _lock = breadbox::store::lock::DataDirLock::acquire(&config.data_dir)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let state = breadbox::prepare(config.clone())?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
        breadbox::run(state, listener, breadbox::shutdown_signal()).await
    })
}

/// The key comes from the environment only, never the command line (which `ps` shows).
fn mcp(args: &McpArgs) -> anyhow::Result<()> {
    let key = std::env::var("BREADBOX_API_KEY")
        .map_err(|_| anyhow::anyhow!("set BREADBOX_API_KEY to an API key (bb_…)"))?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(breadbox::api::mcp::bridge::run(&args.server, key.trim()))
}

/// Logs go to stderr; `RUST_LOG` picks the level (default `info`).
fn init_tracing(json: bool) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        builder.with_ansi(colour).init();
    }
}

/// Writes `text` and a newline to stdout; a reader that stops early (`breadbox openapi |
/// head`) closes the pipe, which is a normal end here, not a panic.
fn print_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
