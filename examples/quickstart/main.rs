//! Quick start: the SDK in action against the local sandbox (no credentials, no network).
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Each leg lives in its own module and runs against its own local simulator.

#[cfg(feature = "accor-oms")]
mod accor_oms;
#[cfg(feature = "amazon-mcf")]
mod amazon_mcf;
mod core_tour;
#[cfg(feature = "one-b2b")]
mod one_b2b;
#[cfg(feature = "sftp")]
mod sftp_leg;
#[cfg(feature = "totvs-omni")]
mod totvs_omni;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    println!("== core: models, tokens, bulk pushes");
    core_tour::run().await?;
    #[cfg(feature = "sftp")]
    {
        println!();
        println!("== sftp: the transport for Accor's catalog files (embedded SFTP server)");
        sftp_leg::run().await?;
    }
    #[cfg(feature = "accor-oms")]
    {
        println!();
        println!("== Accor OMS: validate a cart, fix a short line, order, follow to SHIPPED");
        accor_oms::run().await?;
    }
    #[cfg(feature = "amazon-mcf")]
    {
        println!();
        println!("== Amazon MCF: place, ship, track, stock (local simulator)");
        amazon_mcf::run().await?;
    }
    #[cfg(feature = "one-b2b")]
    {
        println!();
        println!("== ONe B2B: bulk stock, order cursor, shipping");
        one_b2b::run().await?;
    }
    #[cfg(feature = "totvs-omni")]
    {
        println!();
        println!("== TOTVS Omni: a stock load and a paid order confirmed");
        totvs_omni::run().await?;
    }
    println!();
    println!("quick start finished");
    Ok(())
}
