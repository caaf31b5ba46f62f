//! `comptoir eval` and `comptoir chat`: the assistant from the terminal, always on a
//! copy of the shop (the demo shop, or the live database), so trying it changes nothing.

use std::io::{BufRead, BufWriter, IsTerminal, Write};
use std::path::Path;

use jiff::Timestamp;
use rusqlite::Connection;
use rusqlite::backup::Backup;

use super::llm::Llm;
use super::training::{self, Understanding};
use super::{Assistant, Incoming, eval};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::db;
use crate::engine::Channel;
use crate::engine::model::{Settings, report};
use crate::error::{AppError, CliError};

fn fail(e: impl std::fmt::Display) -> CliError {
    (e.to_string(), 1)
}

fn parse_now(now: Option<&str>) -> Result<Timestamp, CliError> {
    match now {
        None => Ok(SystemClock.now()),
        Some(text) => text.parse::<Timestamp>().map_err(|e| {
            (
                format!("--now `{text}` is not a time with its offset, e.g. 2025-11-13T10:24:00+01:00 ({e})"),
                2,
            )
        }),
    }
}

/// Builds the demo shop in memory. The caller hands it over, so the assistant does not
/// depend on the demo, which is built from the features (the assistant among them).
pub type DemoShop = fn(&Config, Timestamp) -> Result<Connection, AppError>;

/// The shop to work on, in memory: the demo shop, or a copy of the live database.
fn shop(config: &Config, demo: Option<DemoShop>, now: Timestamp) -> Result<Connection, CliError> {
    if let Some(demo_shop) = demo {
        return demo_shop(config, now).map_err(fail);
    }
    let path = config.data_dir.join(db::DATABASE_FILE);
    if !path.exists() {
        return Err((
            format!(
                "no database at {}; run `comptoir serve` first, or add --demo to use the demo shop",
                path.display()
            ),
            2,
        ));
    }
    let pool = db::open(&config.data_dir).map_err(fail)?;
    let live = pool.get().map_err(fail)?;
    let mut copy = Connection::open_in_memory().map_err(fail)?;
    Backup::new(&live, &mut copy)
        .and_then(|b| b.run_to_completion(1024, std::time::Duration::ZERO, None))
        .map_err(fail)?;
    copy.execute_batch("PRAGMA foreign_keys = ON;")
        .map_err(fail)?;
    Ok(copy)
}

/// What `comptoir eval` was asked to do.
pub struct EvalArgs<'a> {
    pub demo: Option<DemoShop>,
    pub cases: Option<&'a Path>,
    pub out: Option<&'a Path>,
    pub now: Option<&'a str>,
    pub report: bool,
    pub corpus_only: bool,
    pub cross_validate: Option<usize>,
}

pub fn run_eval(config: &Config, args: &EvalArgs<'_>) -> Result<(), CliError> {
    if let Some(k) = args.cross_validate {
        if !(2..=20).contains(&k) {
            return Err((
                "--cross-validate takes a number of folds from 2 to 20".into(),
                2,
            ));
        }
        let examples = training::builtin_examples();
        let started = std::time::Instant::now();
        let confusion = report::cross_validate(examples, k, Settings::default());
        println!(
            "{k}-fold cross-validation on the shipped corpus ({} examples, {:.1} s)\n",
            examples.len(),
            started.elapsed().as_secs_f64()
        );
        print!("{}", confusion.render());
        return Ok(());
    }
    let (Some(cases), Some(out)) = (args.cases, args.out) else {
        return Err((
            "give --cases FILE and --out FILE (labelled conversations in, decisions out), or --cross-validate K".into(),
            2,
        ));
    };
    let now = parse_now(args.now)?;
    let file = std::fs::File::open(cases)
        .map_err(|e| (format!("cannot read {}: {e}", cases.display()), 2))?;
    let cases_read = eval::read_cases(std::io::BufReader::new(file))
        .map_err(|e| (format!("{}: {e}", cases.display()), 2))?;
    let template = shop(config, args.demo, now)?;
    let file = std::fs::File::create(out)
        .map_err(|e| (format!("cannot write {}: {e}", out.display()), 1))?;
    let mut writer = BufWriter::new(file);
    let llm = Llm::from_config(&config.llm);
    let assistant = Assistant {
        understanding: if args.corpus_only {
            Understanding::corpus_only()
        } else {
            Understanding::default()
        },
        ..Assistant::default()
    };
    let read = eval::run(
        &template,
        &cases_read,
        now,
        llm.as_ref(),
        &assistant,
        &mut writer,
    )
    .map_err(fail)?;
    writer.flush().map_err(fail)?;
    println!(
        "{} cases, {} turns: decisions written to {}",
        cases_read.len(),
        read.len(),
        out.display()
    );
    if args.report {
        println!();
        print!("{}", eval::confusion(&cases_read, &read).render());
    }
    Ok(())
}

pub fn run_chat(
    config: &Config,
    demo: Option<DemoShop>,
    channel: &str,
    from: &str,
    now: Option<&str>,
) -> Result<(), CliError> {
    let channel = Channel::from_code(channel).ok_or_else(|| {
        (
            format!("--channel `{channel}` is not one of sms, whatsapp, email, webchat, console"),
            2,
        )
    })?;
    let fixed_now = now.map(|n| parse_now(Some(n))).transpose()?;
    let mut conn = shop(config, demo, fixed_now.unwrap_or_else(|| SystemClock.now()))?;
    let assistant = Assistant::default();
    let llm = Llm::from_config(&config.llm);
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        println!(
            "Parlez à l'assistant (une ligne par message, Ctrl-D pour quitter). Rien n'est modifié dans la boutique."
        );
    }
    let stdin = std::io::stdin();
    loop {
        if interactive {
            print!("vous> ");
            let _ = std::io::stdout().flush();
        }
        let mut line = String::new();
        if stdin.lock().read_line(&mut line).map_err(fail)? == 0 {
            break;
        }
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let now = fixed_now.unwrap_or_else(|| SystemClock.now());
        let outcome = assistant
            .handle(
                &mut conn,
                &Incoming {
                    channel,
                    contact: from,
                    text,
                    provider_id: None,
                    email: None,
                    test: false,
                },
                now,
                llm.as_ref(),
            )
            .map_err(fail)?;
        match outcome.decision {
            Some(d) => {
                println!("bot> {}", d.reply);
                let read = if d.intent == d.guess {
                    format!("{} {:.0} %", d.intent.code(), d.confidence * 100.0)
                } else {
                    format!(
                        "{} (guess {} {:.0} %)",
                        d.intent.code(),
                        d.guess.code(),
                        d.confidence * 100.0
                    )
                };
                let mut about = vec![read, d.action.code().to_string()];
                about.extend(d.product.clone());
                about.extend(d.variant.clone());
                about.extend(d.order.clone());
                println!(
                    "     [{} · {:.2} ms]",
                    about.join(" · "),
                    outcome.latency_us as f64 / 1000.0
                );
            }
            None => println!("bot> (silence : un membre de l'équipe a pris la main)"),
        }
    }
    Ok(())
}
