//! Shared by the hostile-server suite and its fuzz run: the four platform clients built
//! against a scripted server (`connector_sandbox::hostile`), token endpoints answered.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connector_sandbox::hostile::{Answer, RecordedRequest, ScriptedServer};
use erp_connectors::accor_oms::{AccorClient, AccorConfig};
use erp_connectors::amazon_mcf::AmazonMcfClient;
use erp_connectors::core::{Error, ManualClock, RetryPolicy, SecretString};
use erp_connectors::one_b2b::{Feed, OneClient, OneConfig};
use erp_connectors::totvs_omni::{OmniClient, OmniConfig};

/// The four platforms: the columns of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum P {
    Accor,
    Amazon,
    One,
    Totvs,
}

pub(crate) const ALL: [P; 4] = [P::Accor, P::Amazon, P::One, P::Totvs];

// Credentials, each distinctive so a leak is found by a plain search.
pub(crate) const ACCOR_SECRET: &str = "accor-cl13nt-s3cret";
pub(crate) const LWA_SECRET: &str = "amzn-lwa-s3cret-value";
pub(crate) const LWA_REFRESH: &str = "Atzr|amzn-refresh-t0ken";
pub(crate) const LWA_ACCESS: &str = "Atza|amzn-access-t0ken";
pub(crate) const ONE_KEY: &str = "one-api-k3y:0123456789";
pub(crate) const OMNI_PASSWORD: &str = "omni-load-passw0rd";
pub(crate) const OMNI_ORDER_PASSWORD: &str = "omni-order-passw0rd";
pub(crate) const OMNI_TOKEN: &str = "omni-order-t0ken";
pub(crate) const ACCOR_TOKEN: &str = "accor-access-t0ken";

pub(crate) const ACCOR_STATUS: &str = r#"{"order_id":"P2P-1","order_state":"SHIPPED","shop_id":2001,"currency_iso_code":"EUR","order_lines":[]}"#;
pub(crate) const OMNI_ORDER: &str =
    r#"{"id":"OM-1001","status":"PENDING_CONFIRMATION","items":[]}"#;

impl P {
    /// Every secret the platform's client holds or receives.
    pub(crate) fn secrets(self) -> &'static [&'static str] {
        match self {
            P::Accor => &[ACCOR_SECRET, ACCOR_TOKEN],
            P::Amazon => &[LWA_SECRET, LWA_REFRESH, LWA_ACCESS],
            P::One => &[ONE_KEY],
            P::Totvs => &[OMNI_PASSWORD, OMNI_ORDER_PASSWORD, OMNI_TOKEN],
        }
    }

    /// A well-formed answer to the read under test.
    pub(crate) fn read_ok(self) -> Answer {
        match self {
            P::Accor => Answer::json(200, ACCOR_STATUS),
            P::Amazon => Answer::json(200, r#"{"payload":{"features":[]}}"#),
            P::One => Answer::json(200, r#"{"nextId":2,"events":[]}"#),
            P::Totvs => Answer::json(200, OMNI_ORDER),
        }
    }

    /// Whether the write under test is idempotent (a PUT that replaces state), hence retried.
    pub(crate) fn write_is_idempotent(self) -> bool {
        matches!(self, P::Amazon | P::One)
    }

    /// The operation name the read's errors carry.
    pub(crate) fn read_operation(self) -> &'static str {
        match self {
            P::Accor => "accor",
            P::Amazon => "getFeatures",
            P::One => "one.",
            P::Totvs => "totvs_omni.get_order",
        }
    }

    pub(crate) fn is_token_path(self, path: &str) -> bool {
        matches!(
            (self, path),
            (P::Accor, "/token") | (P::Amazon, "/auth/o2/token") | (P::Totvs, "/api/auth/token")
        )
    }

    pub(crate) fn token_answer(self) -> Answer {
        match self {
            P::Accor => Answer::json(
                200,
                format!(
                    r#"{{"access_token":"{ACCOR_TOKEN}","expires_in":300,"token_type":"Bearer"}}"#
                ),
            ),
            P::Amazon => Answer::json(
                200,
                format!(
                    r#"{{"access_token":"{LWA_ACCESS}","token_type":"bearer","expires_in":3600}}"#
                ),
            ),
            P::Totvs => Answer::json(
                200,
                format!(r#"{{"token":"{OMNI_TOKEN}","expiresIn":3600}}"#),
            ),
            P::One => Answer::status(404),
        }
    }
}

/// A scripted platform: token calls answered, every other call gets the next fault.
pub(crate) struct Scripted {
    pub(crate) p: P,
    pub(crate) server: ScriptedServer,
}

impl Scripted {
    pub(crate) async fn start(p: P, script: Vec<Answer>) -> Self {
        Self::start_with(p, script, None).await
    }

    /// `script`, then `fallback` for ever (or 599 when none).
    pub(crate) async fn start_with(p: P, script: Vec<Answer>, fallback: Option<Answer>) -> Self {
        let queue = Mutex::new(VecDeque::from(script));
        let server = ScriptedServer::start_with(Arc::new(move |req: &RecordedRequest, _| {
            if p.is_token_path(req.path()) {
                return p.token_answer();
            }
            queue
                .lock()
                .unwrap()
                .pop_front()
                .or_else(|| fallback.clone())
                .unwrap_or_else(|| Answer::json(599, r#"{"message":"script exhausted"}"#))
        }))
        .await
        .unwrap();
        Self { p, server }
    }

    /// The API calls received (token calls left out).
    pub(crate) fn api_requests(&self) -> Vec<RecordedRequest> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| !self.p.is_token_path(r.path()))
            .collect()
    }

    pub(crate) fn retry() -> RetryPolicy {
        RetryPolicy::default()
            .with_jitter(false)
            .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
            .with_max_attempts(3)
    }

    pub(crate) fn accor(&self) -> AccorClient {
        let url = self.server.url();
        AccorClient::new(
            AccorConfig::builder()
                .custom(format!("{url}/oms-api"), format!("{url}/token"))
                .client_id("erp-client")
                .client_secret(SecretString::from(ACCOR_SECRET))
                .retry(Self::retry())
                .timeout(Duration::from_millis(500))
                .build()
                .unwrap(),
        )
        .unwrap()
    }

    pub(crate) fn amazon(&self) -> AmazonMcfClient {
        let url = self.server.url();
        AmazonMcfClient::builder()
            .client_id("amzn1.application-oa2-client.test")
            .client_secret(SecretString::from(LWA_SECRET.to_string()))
            .refresh_token(SecretString::from(LWA_REFRESH.to_string()))
            .marketplace_id("ATVPDKIKX0DER")
            .endpoint(url.clone())
            .lwa_url(format!("{url}/auth/o2/token"))
            .app_id("TestERP")
            .retry(Self::retry())
            .timeout(Duration::from_millis(500))
            .clock(ManualClock::new().shared())
            .build()
            .unwrap()
    }

    pub(crate) fn one_config(&self) -> erp_connectors::one_b2b::OneConfigBuilder {
        OneConfig::builder()
            .base_url(self.server.url())
            .tenant("acme")
            .api_key(SecretString::from(ONE_KEY.to_string()))
            .retry(Self::retry())
            .timeout(Duration::from_millis(500))
            .clock(ManualClock::new().shared())
    }

    pub(crate) fn one(&self) -> OneClient {
        OneClient::new(self.one_config().build().unwrap()).unwrap()
    }

    pub(crate) fn totvs(&self) -> OmniClient {
        let url = self.server.url();
        OmniClient::new(
            OmniConfig::builder("SITE-42", "integrador", SecretString::from(OMNI_PASSWORD))
                .load_host(url.clone())
                .orders_api(
                    format!("{url}/api"),
                    "erp",
                    SecretString::from(OMNI_ORDER_PASSWORD),
                )
                .retry(Self::retry())
                .timeout(Duration::from_millis(500))
                .clock(ManualClock::new().shared())
                .build()
                .unwrap(),
        )
        .unwrap()
    }

    /// The read under test: Accor `status`, Amazon `getFeatures`, ONe `events`, TOTVS `get`.
    pub(crate) async fn read(&self, id: &str) -> Result<(), Error> {
        match self.p {
            P::Accor => self.accor().status(id).await.map(|_| ()),
            P::Amazon => self.amazon().get_features(None).await.map(|_| ()),
            P::One => self
                .one()
                .events::<serde_json::Value>(Feed::Orders, 1)
                .await
                .map(|_| ()),
            P::Totvs => self.totvs().orders()?.get(id).await.map(|_| ()),
        }
    }

    /// A call that puts `id` into a URL path: Accor `status`, Amazon `getFulfillmentOrder`,
    /// ONe `set_payment_status`, TOTVS `get`.
    pub(crate) async fn with_id(&self, id: &str) -> Result<(), Error> {
        match self.p {
            P::Accor => self.accor().status(id).await.map(|_| ()),
            P::Amazon => self.amazon().get_fulfillment_order(id).await.map(|_| ()),
            P::One => {
                self.one()
                    .set_payment_status(id, &erp_connectors::one_b2b::model::PaymentStatus::Timeout)
                    .await
            }
            P::Totvs => self.totvs().orders()?.get(id).await.map(|_| ()),
        }
    }

    /// The write under test (None where the suite has no write for the platform): Amazon
    /// `cancelFulfillmentOrder`, ONe `set_payment_status`, TOTVS `confirm`.
    pub(crate) async fn write(&self) -> Option<Result<(), Error>> {
        Some(match self.p {
            P::Accor => return None,
            P::Amazon => self.amazon().cancel_fulfillment_order("ERP-1").await,
            P::One => {
                self.one()
                    .set_payment_status(
                        "OF-1",
                        &erp_connectors::one_b2b::model::PaymentStatus::Timeout,
                    )
                    .await
            }
            P::Totvs => match self.totvs().orders() {
                Ok(o) => o.confirm("OM-1001").await,
                Err(e) => Err(e),
            },
        })
    }
}

/// Both renderings of an error.
pub(crate) fn shown(e: &Error) -> String {
    format!("{e} || {e:?}")
}

/// Panics when an error shows a secret of `p`.
pub(crate) fn assert_no_secret(p: P, e: &Error) {
    let text = shown(e);
    for s in p.secrets() {
        assert!(!text.contains(s), "{p:?}: secret {s} leaked: {text}");
    }
}
