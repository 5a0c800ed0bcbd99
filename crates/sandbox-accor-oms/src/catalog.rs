//! Generated catalog files and the SFTP server that serves them.
//!
//! The column names are not public; the generator uses Mirakl offer-export style names in an
//! order different from the client's defaults (`offer-id` third), plus columns the client does
//! not know (`allergens`, `catchment-area`), so header-based decoding and `extra` are
//! exercised. Every 97th title holds the delimiter inside quotes, every 1,000th a quoted
//! newline; rows are deterministic.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use connector_sandbox::sftp::{SftpServer, SftpServerConfig};

/// SFTP user of the catalog server.
pub const SFTP_USER: &str = "accor-catalog";
/// Its password.
pub const SFTP_PASSWORD: &str = "sandbox-sftp-password";
/// Remote path of the generated catalog.
pub const CATALOG_PATH: &str = "/outgoing/catalog.csv";

/// How to write a catalog file.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CatalogSpec {
    /// Data rows.
    pub rows: u64,
    /// `b';'` (default) or `b','`.
    pub delimiter: u8,
    /// Start with a UTF-8 BOM (default true, like Excel exports).
    pub bom: bool,
    /// CRLF line ends (default true).
    pub crlf: bool,
}

impl CatalogSpec {
    /// `rows` rows, `;`, BOM, CRLF.
    pub fn new(rows: u64) -> Self {
        Self {
            rows,
            delimiter: b';',
            bom: true,
            crlf: true,
        }
    }

    /// Uses `,` and LF without BOM.
    pub fn comma_lf(mut self) -> Self {
        self.delimiter = b',';
        self.bom = false;
        self.crlf = false;
        self
    }
}

const SHOPS: &[(u64, &str)] = &[
    (2001, "Linen & Co"),
    (2002, "Hotel Soap Factory"),
    (2003, "Boulangerie du Port"),
    (2004, "Vins de Loire SARL"),
];

/// Writes the catalog to `path`; returns the bytes written.
pub fn write_catalog(path: &Path, spec: CatalogSpec) -> std::io::Result<u64> {
    let d = char::from(spec.delimiter);
    let eol = if spec.crlf { "\r\n" } else { "\n" };
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut n = 0u64;
    let mut put = |w: &mut BufWriter<std::fs::File>, s: &str| -> std::io::Result<()> {
        n += s.len() as u64;
        w.write_all(s.as_bytes())
    };
    if spec.bom {
        put(&mut w, "\u{feff}")?;
    }
    let header = [
        "product-sku",
        "product-title",
        "offer-id",
        "shop-id",
        "shop-name",
        "price",
        "currency-iso-code",
        "quantity",
        "min-order-quantity",
        "category-code",
        "allergens",
        "catchment-area",
    ]
    .join(&d.to_string());
    put(&mut w, &header)?;
    put(&mut w, eol)?;
    let mut line = String::with_capacity(256);
    for i in 0..spec.rows {
        line.clear();
        let (shop_id, shop_name) = SHOPS[(i % SHOPS.len() as u64) as usize];
        let title = if i % 1000 == 999 {
            format!("\"Gift box {i}{eol}limited edition\"")
        } else if i % 97 == 0 {
            format!("\"Towel{d} bath {i}\"")
        } else {
            format!("Article {i}")
        };
        let cents = 35 + (i * 37) % 5000;
        let allergens = if i % 5 == 0 { "\"gluten, milk\"" } else { "" };
        use std::fmt::Write as _;
        let _ = write!(
            line,
            "SKU-{i:07}{d}{title}{d}{offer}{d}{shop_id}{d}{shop_name}{d}{}.{:02}{d}EUR{d}{}{d}{}{d}cat-{}{d}{allergens}{d}75{eol}",
            cents / 100,
            cents % 100,
            (i * 13) % 1000,
            1 + i % 3,
            i % 40,
            offer = 1_000_000 + i,
        );
        put(&mut w, &line)?;
    }
    w.flush()?;
    Ok(n)
}

/// An SFTP server serving a generated catalog at [`CATALOG_PATH`].
#[derive(Debug)]
pub struct CatalogServer {
    /// The running server (host, port, host key fingerprint).
    pub server: SftpServer,
    /// The served directory.
    pub root: PathBuf,
    /// Size of the catalog file.
    pub bytes: u64,
}

/// Writes a catalog of `spec` under `root/outgoing/` and serves `root` over SFTP with
/// [`SFTP_USER`] / [`SFTP_PASSWORD`].
pub async fn serve_catalog(root: &Path, spec: CatalogSpec) -> std::io::Result<CatalogServer> {
    std::fs::create_dir_all(root.join("outgoing"))?;
    let bytes = write_catalog(&root.join("outgoing/catalog.csv"), spec)?;
    let server =
        SftpServer::start(SftpServerConfig::new(root).user(SFTP_USER, SFTP_PASSWORD)).await?;
    Ok(CatalogServer {
        server,
        root: root.to_path_buf(),
        bytes,
    })
}

/// The simulator offer matching row `i` of a generated catalog (same id, shop, price and
/// stock), so an example can import the catalog and then order what it found.
pub fn sim_offer(i: u64) -> crate::SimOffer {
    let (shop_id, shop_name) = SHOPS[(i % SHOPS.len() as u64) as usize];
    crate::SimOffer {
        offer_id: 1_000_000 + i,
        shop_id,
        shop_name: shop_name.to_string(),
        title: format!("Article {i}"),
        price_cents: (35 + (i * 37) % 5000) as i64,
        tier: None,
        stock: (i * 13) % 1000,
        delivery_rounds: shop_id == 2003,
    }
}
