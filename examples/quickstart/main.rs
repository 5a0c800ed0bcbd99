//! Quick start: the SDK in action against the local sandbox (no credentials, no network).
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Each leg lives in its own module and runs against its own local simulator.

mod core_tour;
#[cfg(feature = "sftp")]
mod sftp_leg;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    println!("== core: models, tokens, bulk pushes");
    core_tour::run().await?;
    println!();
    #[cfg(feature = "sftp")]
    {
        println!("== sftp: the transport for Accor's catalog files (embedded SFTP server)");
        sftp_leg::run().await?;
        println!();
    }
    println!("quick start finished");
    Ok(())
}
