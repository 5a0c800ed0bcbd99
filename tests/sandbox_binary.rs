//! The `erp-sandbox` binary starts every simulator and prints where they are.

#![cfg(all(
    feature = "sandbox",
    feature = "amazon-mcf",
    feature = "one-b2b",
    feature = "totvs-omni",
    feature = "sftp"
))]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn erp_sandbox_prints_every_simulator_and_answers() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_erp-sandbox"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut lines = Vec::new();
    while !lines.iter().any(|l: &String| l.contains("host key")) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => lines.push(line),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = lines.join("\n");
    for want in [
        "OAuth2 token endpoint",
        "Amazon MCF (SP-API)",
        "ONe B2B",
        "TOTVS Omni load host",
        "FTP drop",
        "SFTP",
    ] {
        assert!(text.contains(want), "missing `{want}` in:\n{text}");
    }
    assert!(text.contains("http://127.0.0.1:"), "{text}");
}
