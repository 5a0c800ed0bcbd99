//! Serves a directory with the embedded SFTP server until killed, for trying real clients
//! (OpenSSH's `sftp`, paramiko, WinSCP...) against it or timing them.
//!
//! ```text
//! cargo run --release -p connector-sandbox --features sftp --example sftp_serve -- \
//!     ROOT_DIR AUTHORIZED_KEY_FILE [USER]
//! ```
//!
//! Prints `port <n>` and a `known_hosts` line, then serves (key auth for `USER`, default
//! `sandbox`, with the `.pub` line in `AUTHORIZED_KEY_FILE`; password `sandbox` too).

use connector_sandbox::sftp::{SftpServer, SftpServerConfig};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(root), Some(key)) = (args.next(), args.next()) else {
        eprintln!("usage: sftp_serve ROOT_DIR AUTHORIZED_KEY_FILE [USER]");
        std::process::exit(2);
    };
    let user = args.next().unwrap_or_else(|| "sandbox".to_string());
    let public = std::fs::read_to_string(&key)?;
    let server = SftpServer::start(
        SftpServerConfig::new(&root)
            .user(&user, "sandbox")
            .authorized_key(&user, &public),
    )
    .await?;
    println!("port {}", server.port());
    println!("{}", server.known_hosts_line());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
