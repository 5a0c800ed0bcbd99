//! Wire types of the load endpoint (`integration-exec-post`).

use std::fmt;

/// The `integrationType` form field: which active integration Omni runs on the file.
///
/// Values from TOTVS's integration guide (annex 1). Unknown values received from a server or a
/// configuration file are kept in [`IntegrationType::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IntegrationType {
    /// `1`: Carga de Produtos.
    Products,
    /// `2`: Carga de Estoque.
    Stock,
    /// `7`: Carga de Preços.
    Prices,
    /// `3`: Carga de Produtos com Estoque.
    ProductsWithStock,
    /// `8`: Carga de Produtos com Preço.
    ProductsWithPrice,
    /// `6`: Carga de Produtos com Estoque e Preço.
    ProductsWithStockAndPrice,
    /// `12`: Carga de Atributos.
    Attributes,
    /// Any other code.
    Other(u32),
}

impl IntegrationType {
    /// The documented types.
    pub const ALL: [IntegrationType; 7] = [
        Self::Products,
        Self::Stock,
        Self::Prices,
        Self::ProductsWithStock,
        Self::ProductsWithPrice,
        Self::ProductsWithStockAndPrice,
        Self::Attributes,
    ];

    /// The numeric code sent as `integrationType`.
    pub fn code(self) -> u32 {
        match self {
            Self::Products => 1,
            Self::Stock => 2,
            Self::Prices => 7,
            Self::ProductsWithStock => 3,
            Self::ProductsWithPrice => 8,
            Self::ProductsWithStockAndPrice => 6,
            Self::Attributes => 12,
            Self::Other(code) => code,
        }
    }

    /// The type for a numeric code.
    pub fn from_code(code: u32) -> Self {
        match code {
            1 => Self::Products,
            2 => Self::Stock,
            7 => Self::Prices,
            3 => Self::ProductsWithStock,
            8 => Self::ProductsWithPrice,
            6 => Self::ProductsWithStockAndPrice,
            12 => Self::Attributes,
            other => Self::Other(other),
        }
    }

    /// Whether the file carries product records.
    pub fn has_products(self) -> bool {
        matches!(
            self,
            Self::Products
                | Self::ProductsWithStock
                | Self::ProductsWithPrice
                | Self::ProductsWithStockAndPrice
        )
    }

    /// Whether product records of this type must carry a price.
    pub fn needs_embedded_price(self) -> bool {
        matches!(
            self,
            Self::ProductsWithPrice | Self::ProductsWithStockAndPrice
        )
    }

    /// Whether product records of this type must carry stock.
    pub fn needs_embedded_stock(self) -> bool {
        matches!(
            self,
            Self::ProductsWithStock | Self::ProductsWithStockAndPrice
        )
    }

    /// The file name sent for this type, after TOTVS's sample files (`PRODUTOS_DO_ERP.json`...).
    pub fn default_file_name(self) -> String {
        match self {
            Self::Products => "PRODUTOS_DO_ERP.json".into(),
            Self::Stock => "ESTOQUE_DO_ERP.json".into(),
            Self::Prices => "PRECOS_DO_ERP.json".into(),
            Self::ProductsWithStock => "PRODUTOS_ESTOQUE_DO_ERP.json".into(),
            Self::ProductsWithPrice => "PRODUTOS_PRECO_DO_ERP.json".into(),
            Self::ProductsWithStockAndPrice => "PRODUTOS_ESTOQUE_PRECO_DO_ERP.json".into(),
            Self::Attributes => "ATRIBUTOS_DO_ERP.json".into(),
            Self::Other(code) => format!("CARGA_{code}_DO_ERP.json"),
        }
    }
}

impl fmt::Display for IntegrationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// What Omni answered to a load call.
///
/// The response format of `integration-exec-post` is not public: the receipt keeps the status
/// and the raw body, and reads a job id and message from a JSON body when one is present
/// (fields `id`/`jobId`/`executionId` and `message`/`mensagem`; an open question).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadReceipt {
    /// The integration type that was run.
    pub integration_type: IntegrationType,
    /// HTTP status (2xx: accepted; Omni then processes the file asynchronously); `None` for
    /// an FTP drop.
    pub http_status: Option<u16>,
    /// Where the file was put, for an FTP drop.
    pub remote_path: Option<String>,
    /// The execution / job id, when the body had one.
    pub job_id: Option<String>,
    /// A message from the body, when it had one.
    pub message: Option<String>,
    /// The body as text (bounded to 4 KiB).
    pub body: String,
    /// The file name sent.
    pub file_name: String,
    /// Records in the file.
    pub records: u64,
    /// Size of the file in bytes.
    pub bytes: u64,
}

/// What the receipt reads from a JSON body: the first of `id`/`jobId`/`executionId`/
/// `idExecucao` (a non-empty string or a number) and of `message`/`mensagem`. Read from a
/// `Value`, so a body that carries several of these names (`{"id":..,"jobId":..}`) keeps both
/// (serde aliases would refuse it as a duplicate field and lose the message too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ReceiptBody {
    pub(crate) id: Option<String>,
    pub(crate) message: Option<String>,
}

impl ReceiptBody {
    pub(crate) fn parse(body: &[u8]) -> Self {
        let Ok(serde_json::Value::Object(obj)) = serde_json::from_slice(body) else {
            return Self::default();
        };
        let id = ["id", "jobId", "executionId", "idExecucao"]
            .iter()
            .find_map(|k| match obj.get(*k) {
                Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            });
        let message = ["message", "mensagem"]
            .iter()
            .find_map(|k| obj.get(*k).and_then(|v| v.as_str()).map(str::to_string));
        Self { id, message }
    }
}
