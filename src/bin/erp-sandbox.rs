//! Runs the local sandbox until Ctrl-C and prints its URLs and credentials, for tools that are
//! not written in Rust (Postman, curl, another language's tests). Every simulator of the
//! enabled features is started on its own loopback port.
//!
//! ```text
//! cargo run --bin erp-sandbox
//! ```
//!
//! All credentials printed are the simulators' fixed sandbox values, not real secrets.

use connector_sandbox::{Harness, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let harness = Harness::start().await?;
    println!("erp-connectors sandbox (all servers on loopback; stop with Ctrl-C)");
    println!("(every credential below is a fixed sandbox value, not a real secret)");
    println!();
    println!("OAuth2 token endpoint   {}", harness.token_url());
    println!("  client_id / secret    {SANDBOX_CLIENT_ID} / {SANDBOX_CLIENT_SECRET}");
    println!("Demo bulk API           {}/demo/stock", harness.base_url());

    #[cfg(feature = "accor-oms")]
    let _accor = {
        use sandbox_accor_oms as accor;
        let running = accor::AccorSandbox::start().await?;
        println!();
        println!("Accor OMS API           {}", running.base_url());
        println!("  token endpoint        {}", running.token_url());
        println!(
            "  client_id / secret    {} / {}",
            accor::SANDBOX_CLIENT_ID,
            accor::SANDBOX_CLIENT_SECRET
        );
        running
    };

    #[cfg(feature = "amazon-mcf")]
    let _mcf = {
        use sandbox_amazon_mcf as mcf;
        let running = mcf::McfSimulator::new().start().await?;
        println!();
        println!("Amazon MCF (SP-API)     {}", running.base_url());
        println!("  LWA token endpoint    {}", running.token_url());
        println!("  client_id             {}", mcf::CLIENT_ID);
        println!("  client_secret         {}", mcf::CLIENT_SECRET);
        println!("  refresh_token         {}", mcf::REFRESH_TOKEN);
        println!("  marketplace           {}", mcf::MARKETPLACE_ID);
        running
    };

    #[cfg(feature = "one-b2b")]
    let _one = {
        use sandbox_one_b2b as one;
        let running = one::OneSandbox::start().await?;
        println!();
        println!("ONe B2B                 {}", running.base_url());
        println!("  ApiAuth               {}", one::SANDBOX_API_KEY);
        println!("  one-tenant            {}", one::SANDBOX_TENANT);
        running
    };

    #[cfg(feature = "totvs-omni")]
    let _omni = {
        use sandbox_totvs_omni as omni;
        let running = omni::OmniSimulator::start().await?;
        let ftp = omni::FtpServer::start(omni::USERNAME, omni::PASSWORD).await?;
        println!();
        println!("TOTVS Omni load host    {}", running.base_url());
        println!("  site id               {}", omni::SITE_ID);
        println!(
            "  integration user      {} / {}",
            omni::USERNAME,
            omni::PASSWORD
        );
        println!("  order API             {}", running.orders_url());
        println!(
            "  order API user        {} / {}",
            omni::ORDERS_USERNAME,
            omni::ORDERS_PASSWORD
        );
        println!(
            "  FTP drop              ftp://127.0.0.1:{} ({} / {})",
            ftp.port(),
            omni::USERNAME,
            omni::PASSWORD
        );
        (running, ftp)
    };

    #[cfg(feature = "sftp")]
    let _sftp = {
        let root = std::env::temp_dir().join(format!("erp-sandbox-sftp-{}", std::process::id()));
        std::fs::create_dir_all(&root)?;
        std::fs::write(
            root.join("README.txt"),
            b"erp-connectors sandbox SFTP server\n",
        )?;
        let server = connector_sandbox::sftp::SftpServer::start(
            connector_sandbox::sftp::SftpServerConfig::new(&root).user("sandbox", "sandbox"),
        )
        .await?;
        println!();
        println!(
            "SFTP                    sftp://{}:{} (sandbox / sandbox)",
            server.host(),
            server.port()
        );
        println!("  host key              {}", server.host_key_fingerprint());
        println!("  serving               {}", root.display());
        server
    };

    println!();
    tokio::signal::ctrl_c().await?;
    println!("stopping");
    Ok(())
}
