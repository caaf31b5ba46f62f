//! The command line: `comptoir [serve]`, `user`, `backup`, `check-config`; stores and
//! the assistant add theirs (`store`, `sync`, `stats`, `eval`, `chat`).

use std::io::{BufRead, IsTerminal, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use rusqlite::{Connection, OpenFlags};

use crate::accounts::profile::looks_like_email;
use crate::accounts::{password, repo};
use crate::clock::{Clock, SystemClock};
use crate::config::{self, Config, Overrides};
use crate::db;
use crate::error::CliError;
use crate::stores::cli::StoreCommand;
use crate::web::roles::Role;

#[derive(Parser, Debug)]
#[command(
    name = "comptoir",
    version,
    about = "Self-hosted shop assistant: answers your customers from your live catalogue, with a team inbox."
)]
pub struct Cli {
    /// TOML configuration file (see config.example.toml).
    #[arg(long, global = true, env = config::ENV_CONFIG_FILE, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Data directory (database, keys, backups). Default: ./data
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address to listen on. Default: 127.0.0.1:8080
    #[arg(long, global = true, value_name = "ADDR")]
    pub bind: Option<String>,
    /// error, warn, info, debug or trace. Default: info
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web app and background tasks (the default).
    Serve(ServeArgs),
    /// Manage team accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Write a consistent copy of the database to FILE (safe while serving).
    Backup {
        /// Where to write the copy; must not exist yet.
        file: PathBuf,
    },
    /// Check the configuration and print the effective values.
    CheckConfig,
    /// Connect, list and remove online stores.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Sync stores now, wait, and print what was fetched.
    Sync {
        /// Only this store (default: every connected store).
        #[arg(long)]
        store: Option<i64>,
        /// Fetch everything (also notices deletions), not only what changed.
        #[arg(long)]
        full: bool,
        /// Rate-limit waits move a simulated clock instead of sleeping, and their total
        /// is printed: how long the sync would take against the real platform (for
        /// benchmarks against a fake; the times it records are simulated too).
        #[arg(long)]
        simulate_waits: bool,
    },
    /// Counts of each store's local catalogue.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Run labelled conversations (JSON lines) through the assistant, each on a fresh
    /// copy of the shop, and write one decision per turn.
    Eval {
        /// Use the demo shop, its dates as published (default: a copy of your database).
        #[arg(long)]
        demo: bool,
        /// Labelled conversations, one JSON object a line.
        #[arg(long, value_name = "FILE")]
        cases: Option<PathBuf>,
        /// Where to write one decision per turn.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Clock for cases without their own `now`, e.g. 2025-11-13T10:24:00+01:00.
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
        /// Also print precision and recall per intent, the confusion matrix and the
        /// pairs most often mistaken.
        #[arg(long)]
        report: bool,
        /// Leave out the examples the shop taught its assistant from the inbox.
        #[arg(long)]
        corpus_only: bool,
        /// Instead of cases: K-fold cross-validation of the intent model on its corpus.
        #[arg(long, value_name = "K")]
        cross_validate: Option<usize>,
    },
    /// Talk to the assistant in the terminal, on a copy of the shop (nothing changes).
    Chat {
        /// Use the demo shop (default: a copy of your database).
        #[arg(long)]
        demo: bool,
        /// sms, whatsapp, email, webchat or console.
        #[arg(long, default_value = "console")]
        channel: String,
        /// Who you are on that channel (a phone number or e-mail finds their orders).
        #[arg(long, default_value = "console:admin")]
        from: String,
        /// Pretend it is this time, e.g. 2025-11-13T10:24:00+01:00.
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
    },
}

#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// Serve the Élégance Paris demo shop (in DATA_DIR/demo), with a one-time login link.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add an account. The password is read from standard input, or asked for.
    Add {
        #[arg(long)]
        email: String,
        /// admin, agent, order_manager or read_only
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Name shown to the team.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Set a new password (read from standard input, or asked for) and end all sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// List accounts.
    List,
}

fn demo_shop(wanted: bool) -> Option<crate::assistant::cli::DemoShop> {
    wanted.then_some(crate::demo::in_memory as crate::assistant::cli::DemoShop)
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

/// A failure to report: the message, and the exit code (2 for bad usage/config).
struct Failure(String, u8);

fn cli_failure((message, code): CliError) -> Failure {
    Failure(message, code)
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string(), 1)
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let overrides = Overrides {
        data_dir: cli.data_dir.clone(),
        bind: cli.bind.clone(),
        log_level: cli.log_level.clone(),
    };
    let config = match config::load(cli.config.as_deref(), std::env::vars(), &overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config.log_level);
    let outcome = match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => serve(config, args),
        Command::User(cmd) => user(&config, cmd),
        Command::Backup { file } => backup(&config, &file),
        Command::CheckConfig => check_config(&config),
        Command::Store(cmd) => crate::stores::cli::store(&config, cmd).map_err(cli_failure),
        Command::Sync {
            store,
            full,
            simulate_waits,
        } => crate::stores::cli::sync(&config, store, full, simulate_waits).map_err(cli_failure),
        Command::Stats { json } => crate::stores::cli::stats(&config, json).map_err(cli_failure),
        Command::Eval {
            demo,
            cases,
            out,
            now,
            report,
            corpus_only,
            cross_validate,
        } => crate::assistant::cli::run_eval(
            &config,
            &crate::assistant::cli::EvalArgs {
                demo: demo_shop(demo),
                cases: cases.as_deref(),
                out: out.as_deref(),
                now: now.as_deref(),
                report,
                corpus_only,
                cross_validate,
            },
        )
        .map_err(cli_failure),
        Command::Chat {
            demo,
            channel,
            from,
            now,
        } => crate::assistant::cli::run_chat(
            &config,
            demo_shop(demo),
            &channel,
            &from,
            now.as_deref(),
        )
        .map_err(cli_failure),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message, code)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

fn serve(mut config: Config, args: ServeArgs) -> Result<(), Failure> {
    if args.demo {
        config.data_dir = config.data_dir.join(crate::demo::SUBDIR);
    }
    let addr = config.bind_addr().map_err(|e| Failure(e.to_string(), 2))?;
    // Open (and upgrade) the database before listening, so problems are reported first.
    let pool = db::open(&config.data_dir)?;
    let demo_link = if args.demo {
        let mut conn = pool.get()?;
        let now = SystemClock.now();
        crate::demo::seed_shop(&mut conn, &config, now, true).map_err(|e| e.to_string())?;
        Some(crate::demo::prepare(&mut conn, now).map_err(|e| e.to_string())?)
    } else {
        None
    };
    drop(pool);

    let listener = TcpListener::bind(addr).map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                "the address is already in use (is another comptoir running?). Choose another port, e.g. --bind 127.0.0.1:8081"
            }
            std::io::ErrorKind::PermissionDenied => {
                "permission denied: ports below 1024 need privileges; use a port such as 8080"
            }
            _ => "check the bind address",
        };
        Failure(format!("cannot listen on {addr}: {e}; {hint}"), 1)
    })?;
    let bound = listener.local_addr()?;
    let base = config.base_url(bound);
    println!(
        "Comptoir {} is running at {base}",
        env!("CARGO_PKG_VERSION")
    );
    if let Some(token) = demo_link {
        println!("Demo shop Élégance Paris ({})", config.data_dir.display());
        println!("Open this one-time login link: {base}/login/link/{token}");
    }
    let _ = std::io::stdout().flush();
    tracing::info!(address = %bound, data_dir = %config.data_dir.display(), "listening");

    actix_web::rt::System::new()
        .block_on(crate::run(config, listener, shutdown_signal()))
        .map_err(|e| Failure(e.to_string(), 1))
}

/// Resolves on Ctrl-C or SIGTERM (systemd's stop).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Reads a password: one line from standard input when piped, else asked twice.
fn read_password() -> Result<String, Failure> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Password again: ")?;
        if first != second {
            return Err(Failure(
                "the two passwords differ; nothing was changed".into(),
                2,
            ));
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    password::check_strength(&password).map_err(|_| {
        Failure(
            format!(
                "the password must have between {} and {} characters; nothing was changed",
                password::MIN_LEN,
                password::MAX_LEN
            ),
            2,
        )
    })?;
    Ok(password)
}

fn user(config: &Config, cmd: UserCommand) -> Result<(), Failure> {
    let pool = db::open(&config.data_dir)?;
    let mut conn = pool.get()?;
    let now = SystemClock.now();
    match cmd {
        UserCommand::Add { email, role, name } => {
            if !looks_like_email(&email) {
                return Err(Failure(format!("`{email}` is not an e-mail address"), 2));
            }
            let hash = password::hash(&read_password()?)?;
            let id = db::write(&mut conn, |tx| {
                repo::create_user(tx, &email, &name, &hash, role, now)
            })
            .map_err(|e| match e {
                crate::error::AppError::BadRequest(_) => Failure(
                    format!("an account with the e-mail {email} already exists"),
                    1,
                ),
                other => Failure(other.to_string(), 1),
            })?;
            println!("added {email} ({role}) with id {id}");
        }
        UserCommand::ResetPassword { email } => {
            let id = repo::find_by_email(&conn, &email)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| Failure(format!("no account has the e-mail {email}"), 1))?;
            let hash = password::hash(&read_password()?)?;
            db::write(&mut conn, |tx| repo::set_password(tx, id, &hash, None))
                .map_err(|e| e.to_string())?;
            println!("password changed for {email}; all their sessions were ended");
        }
        UserCommand::List => {
            for m in repo::list_members(&conn).map_err(|e| e.to_string())? {
                let state = if m.disabled { "disabled" } else { "active" };
                println!("{}\t{}\t{}\t{}", m.id, m.email, m.role, state);
            }
        }
    }
    Ok(())
}

fn backup(config: &Config, dest: &Path) -> Result<(), Failure> {
    let source = config.database_path();
    if !source.exists() {
        return Err(Failure(
            format!("no database at {}; check --data-dir", source.display()),
            1,
        ));
    }
    // Read-only: a backup never upgrades or changes the live database.
    let conn = Connection::open_with_flags(&source, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let version = db::schema_version(&conn)?;
    if version == 0 {
        return Err(Failure(
            format!("{} is not a Comptoir database", source.display()),
            1,
        ));
    }
    let size = db::backup_to(&conn, dest)?;
    println!(
        "backup written to {} ({} KiB, schema version {version})",
        dest.display(),
        size.div_ceil(1024)
    );
    let key = config.data_dir.join(crate::secrets::KEY_FILE);
    if key.exists() {
        println!(
            "keep a copy of {} too: store credentials in the backup cannot be read without it",
            key.display()
        );
    }
    Ok(())
}

fn check_config(config: &Config) -> Result<(), Failure> {
    let text = toml::to_string_pretty(config)?;
    print!("{text}");
    println!("# configuration OK");
    Ok(())
}
