//! The SFTP leg of the quick start: the transport Accor's catalog import builds on, against the
//! embedded SFTP server of the sandbox (a temporary directory, password auth, a pinned host key).
//!
//! 1. connect and check, with the host key pinned by its `SHA256:` fingerprint;
//! 2. list the outgoing directory;
//! 3. download a catalog CSV to a local path (temporary name, then rename) with progress;
//! 4. stream the same file straight into records while it downloads;
//! 5. upload a file (temporary name, then rename).

use std::collections::HashMap;

use anyhow::Context;
use erp_connectors::sandbox::sftp::{SftpServer, SftpServerConfig};
use erp_connectors::sftp::{CsvOptions, DownloadOptions, SftpClient, SftpConfig};
use futures::StreamExt;
use secrecy::SecretString;

/// Runs the leg in a temporary directory, removed at the end.
pub(crate) async fn run() -> anyhow::Result<()> {
    let work = std::env::temp_dir().join(format!("erp-quickstart-sftp-{}", std::process::id()));
    let result = run_in(&work).await;
    let _ = std::fs::remove_dir_all(&work);
    result
}

async fn run_in(work: &std::path::Path) -> anyhow::Result<()> {
    let root = work.join("server");
    std::fs::create_dir_all(root.join("outgoing"))?;
    std::fs::create_dir_all(root.join("incoming"))?;
    let mut csv = String::from("sku;title;price\n");
    for i in 1..=5000 {
        csv.push_str(&format!(
            "ACC-{i:05};\"Towel, bath {i}\";{}.90\n",
            5 + i % 20
        ));
    }
    std::fs::write(root.join("outgoing/catalog.csv"), &csv)?;
    let server =
        SftpServer::start(SftpServerConfig::new(&root).user("catalog", "sandbox-password")).await?;

    // 1. Connect with the host key pinned.
    let config = SftpConfig::builder(server.host())
        .port(server.port())
        .username("catalog")
        .password(SecretString::from("sandbox-password"))
        .host_key_fingerprint(server.host_key_fingerprint())
        .build()?;
    println!("1. config (no secret in Debug): {config:?}");
    let sftp = SftpClient::connect(config).await?;
    println!(
        "   connected to {} ({})",
        server.addr(),
        server.host_key_fingerprint()
    );

    // 2. List.
    for entry in sftp.list("/outgoing").await? {
        println!(
            "2. /outgoing/{} {:?} bytes, modified {:?}",
            entry.name, entry.size, entry.modified
        );
    }

    // 3. Download to a local path.
    let dest = work.join("catalog.csv");
    let report = sftp
        .download_to_with(
            "/outgoing/catalog.csv",
            &dest,
            &DownloadOptions::new().progress(|p| {
                if Some(p.done) == p.total {
                    println!("   progress: {} / {:?} bytes", p.done, p.total);
                }
            }),
        )
        .await?;
    anyhow::ensure!(
        std::fs::read_to_string(&dest)? == csv,
        "downloaded bytes differ"
    );
    println!(
        "3. downloaded {} bytes to {}",
        report.written_bytes,
        dest.display()
    );

    // 4. Parse while downloading.
    let mut rows = sftp
        .csv_records::<HashMap<String, String>>(
            "/outgoing/catalog.csv",
            &CsvOptions::new().delimiter(b';'),
        )
        .await?;
    let mut count = 0;
    let mut first = None;
    while let Some(row) = rows.next().await {
        let row = row?;
        first.get_or_insert(row);
        count += 1;
    }
    let first = first.context("no rows")?;
    println!(
        "4. {count} catalog rows parsed while downloading; first: {} = {}",
        first["sku"], first["title"]
    );

    // 5. Upload.
    let local = work.join("order-acks.csv");
    std::fs::write(&local, "order_id;state\nPO-1;ACCEPTED\n")?;
    sftp.upload(&local, "/incoming/order-acks.csv").await?;
    let names: Vec<String> = sftp
        .list("/incoming")
        .await?
        .into_iter()
        .map(|e| e.name)
        .collect();
    println!("5. uploaded; /incoming now holds {names:?}");
    Ok(())
}
