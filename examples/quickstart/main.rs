//! Quick start: the SDK in action against the local sandbox (no credentials, no network).
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Each leg lives in its own module and runs against its own local simulator.

mod core_tour;
#[cfg(feature = "totvs-omni")]
mod totvs_omni;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    println!("== core: models, tokens, bulk pushes");
    core_tour::run().await?;
    println!();
    #[cfg(feature = "totvs-omni")]
    {
        println!("== TOTVS Omni: a stock load and a paid order confirmed");
        totvs_omni::run().await?;
        println!();
    }
    println!("quick start finished");
    Ok(())
}
