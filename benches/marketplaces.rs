//! Marketplace import benchmark: a fake Amazon (LWA + Orders API v0, real HTTP on
//! loopback, in its own process) holding 50,000 orders of the last 50 days; the real
//! `comptoir sync --full --simulate-waits` runs as another child process, keeping to
//! Amazon's documented usage plans (getOrders 0.0167/s burst 20, getOrderItems 0.5/s
//! burst 30) on a simulated clock, so the hours of waiting the real API would impose are
//! counted, not slept. CPU time and peak RSS are the sync process's (getrusage).
//!
//! Run: `cargo bench --bench marketplaces` (add `-- 5000` for another number of orders).
#![allow(clippy::unwrap_used, clippy::expect_used)]
// The one unsafe call: getrusage(2), to read the children's CPU time and peak RSS.
#![allow(unsafe_code)]

#[allow(dead_code)]
#[path = "../tests/it/fakes/mod.rs"]
mod fakes;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use comptoir::clock::ManualClock;
use fakes::amazon::{self, CLIENT_ID, CLIENT_SECRET, FakeAmazon, REFRESH_TOKEN};

fn children_usage() -> (Duration, u64) {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage only writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    (
        tv(usage.ru_utime) + tv(usage.ru_stime),
        usage.ru_maxrss as u64,
    )
}

/// The fake in its own process: prints its address, then serves until stdin closes.
fn serve_fake(n: usize) {
    let now = jiff::Timestamp::now();
    let fake = FakeAmazon::start(ManualClock::new(now), amazon::orders(n, now));
    // The client paces itself on its simulated clock; a real-time bucket here would
    // answer 429 to waits that never really happened.
    fake.with(|s| s.paced = false);
    println!("{}", fake.served.base);
    std::io::stdout().flush().unwrap();
    for _ in std::io::stdin().lock().lines() {}
    let problems = fake.with(|s| s.problems.len());
    eprintln!("fake: {problems} requests or answers off Amazon's model");
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let serving = args.first().is_some_and(|a| a == "serve-fake");
    let n: usize = args
        .get(usize::from(serving))
        .and_then(|a| a.parse().ok())
        .unwrap_or(50_000);
    if serving {
        return serve_fake(n);
    }
    let bin = env!("CARGO_BIN_EXE_comptoir");
    let mut fake = Command::new(std::env::current_exe().unwrap())
        .args(["serve-fake", &n.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut base = String::new();
    BufReader::new(fake.stdout.take().unwrap())
        .read_line(&mut base)
        .unwrap();
    let base = base.trim().to_string();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap().to_string();
    let add = Command::new(bin)
        .args([
            "--data-dir",
            &dir,
            "store",
            "add",
            "amazon",
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--refresh-token",
            REFRESH_TOKEN,
            "--marketplaces",
            "FR,UK",
            "--api-url",
            &base,
        ])
        .output()
        .unwrap();
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );

    let (cpu_before, _) = children_usage();
    let started = Instant::now();
    let out = Command::new(bin)
        .args([
            "--data-dir",
            &dir,
            "--log-level",
            "warn",
            "sync",
            "--full",
            "--simulate-waits",
        ])
        .output()
        .unwrap();
    let wall = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (cpu_after, peak_kib) = children_usage();
    drop(fake.stdin.take());
    let _ = fake.wait();
    let report = String::from_utf8_lossy(&out.stdout);
    println!("{n} Amazon orders (FR and UK, FBA and FBM, 1–2 lines each), first import:");
    println!("{}", report.trim());
    println!("| orders | wall | CPU | peak RSS | simulated time under the usage plans |");
    println!("|---|---|---|---|---|");
    let simulated = report
        .lines()
        .find_map(|l| l.strip_prefix("simulated time (rate-limit waits): "))
        .unwrap_or("?");
    println!(
        "| {n} | {:.1} s | {:.1} s | {:.1} MiB | {simulated} |",
        wall.as_secs_f64(),
        (cpu_after - cpu_before).as_secs_f64(),
        peak_kib as f64 / 1024.0
    );
}
