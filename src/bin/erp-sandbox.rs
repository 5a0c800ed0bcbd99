//! Runs the local sandbox until Ctrl-C and prints its URLs and credentials, for tools that are
//! not written in Rust (Postman, curl, another language's tests).
//!
//! ```text
//! cargo run --bin erp-sandbox
//! ```

use connector_sandbox::{Harness, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let harness = Harness::start().await?;
    println!("erp-connectors sandbox (all servers on loopback; stop with Ctrl-C)");
    println!();
    println!("OAuth2 token endpoint   {}", harness.token_url());
    println!("  client_id             {SANDBOX_CLIENT_ID}");
    println!("  client_secret         {SANDBOX_CLIENT_SECRET}   (sandbox only, not a real secret)");
    println!("Demo bulk API           {}/demo/stock", harness.base_url());
    tokio::signal::ctrl_c().await?;
    println!("stopping");
    Ok(())
}
