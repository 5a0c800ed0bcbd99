//! The load endpoint.

use axum::Router;
use axum::extract::{Multipart, Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use crate::{LoadRun, PASSWORD, SITE_ID, Shared, USERNAME};

pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route(
            "/integrador/session-less/integrations/{site}/integration-exec-post",
            post(exec_post),
        )
        // Load files are large (a million stock lines is ~57 MB); axum's default limit is 2 MB.
        .layer(axum::extract::DefaultBodyLimit::max(1 << 30))
        .with_state(state)
}

fn refuse(status: StatusCode, code: &str, message: String) -> Response {
    (
        status,
        axum::Json(json!({"code": code, "message": message})),
    )
        .into_response()
}

async fn exec_post(
    AxState(state): AxState<Shared>,
    Path(site): Path<String>,
    mut form: Multipart,
) -> Response {
    let (mut user, mut pass, mut ty, mut file) = (None, None, None, None);
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return refuse(StatusCode::BAD_REQUEST, "BAD_FORM", e.to_string()),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let data = match field.bytes().await {
            Ok(d) => d,
            Err(e) => return refuse(StatusCode::BAD_REQUEST, "BAD_FORM", e.to_string()),
        };
        let text = String::from_utf8_lossy(&data).to_string();
        match name.as_str() {
            "username" => user = Some(text),
            "password" => pass = Some(text),
            "integrationType" => ty = Some(text),
            "integrationFile" => match file_name {
                Some(n) => file = Some((n, data)),
                None => {
                    return refuse(
                        StatusCode::BAD_REQUEST,
                        "BAD_FORM",
                        "integrationFile must be a file part".into(),
                    );
                }
            },
            other => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "BAD_FORM",
                    format!("unexpected field {other}"),
                );
            }
        }
    }
    // The site is checked once the request is read, as a server behind a proxy answers: an
    // answer sent while the client is still uploading resets the connection, and the client
    // could not tell a refusal from a lost answer.
    if site != SITE_ID {
        return refuse(
            StatusCode::NOT_FOUND,
            "SITE_NOT_FOUND",
            format!("site {site} não encontrado"),
        );
    }
    if user.as_deref() != Some(USERNAME) || pass.as_deref() != Some(PASSWORD) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "AUTH",
            "usuário ou senha inválidos".into(),
        );
    }
    let Some(ty) = ty.and_then(|t| t.trim().parse::<u32>().ok()) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "BAD_TYPE",
            "integrationType ausente ou inválido".into(),
        );
    };
    if ![1, 2, 3, 6, 7, 8, 12].contains(&ty) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "BAD_TYPE",
            format!("integrationType {ty} sem integração ativa"),
        );
    }
    let Some((file_name, data)) = file else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "BAD_FORM",
            "integrationFile ausente".into(),
        );
    };
    let records: Vec<Value> = match serde_json::from_slice(&data) {
        Ok(Value::Array(a)) => a,
        _ => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "BAD_FILE",
                "arquivo não é um array JSON".into(),
            );
        }
    };
    let mut s = state.lock();
    if let Err(msg) = apply(&mut s, ty, &records) {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "LOAD_REFUSED", msg);
    }
    s.loads.push(LoadRun {
        integration_type: ty,
        file_name,
        records: records.len(),
    });
    let id = s.loads.len();
    (
        StatusCode::OK,
        axum::Json(
            json!({"id": format!("EXEC-{id}"), "message": "Integração executada com sucesso"}),
        ),
    )
        .into_response()
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Applies a file (all or nothing), with the default layout's field names.
fn apply(s: &mut crate::State, ty: u32, records: &[Value]) -> Result<(), String> {
    let products_in_file = matches!(ty, 1 | 3 | 6 | 8);
    for (i, r) in records.iter().enumerate() {
        let sku = r["sku"]
            .as_str()
            .ok_or(format!("registro {i}: sku ausente"))?;
        if products_in_file {
            if r["nome"].as_str().is_none() {
                return Err(format!("registro {i}: nome ausente"));
            }
            if matches!(ty, 6 | 8) && text(&r["preco"]).is_none() {
                return Err(format!("registro {i}: preco ausente"));
            }
            if matches!(ty, 3 | 6) {
                for st in r["estoques"]
                    .as_array()
                    .ok_or(format!("registro {i}: estoques ausente"))?
                {
                    let loja = st["loja"].as_str().unwrap_or_default();
                    if !s.stores.contains(loja) {
                        return Err(format!("registro {i}: loja {loja} não cadastrada"));
                    }
                }
            }
        } else if ty != 12 && !s.products.contains_key(sku) {
            return Err(format!("registro {i}: produto {sku} não integrado"));
        }
        match ty {
            7 if text(&r["preco"]).is_none() => {
                return Err(format!("registro {i}: preco ausente"));
            }
            2 => {
                let loja = r["loja"].as_str().unwrap_or_default();
                if !s.stores.contains(loja) {
                    return Err(format!("registro {i}: loja {loja} não cadastrada"));
                }
                if text(&r["quantidade"]).is_none() {
                    return Err(format!("registro {i}: quantidade ausente"));
                }
            }
            12 if !s.products.contains_key(sku) => {
                return Err(format!("registro {i}: produto {sku} não integrado"));
            }
            _ => {}
        }
    }
    for r in records {
        let sku = r["sku"].as_str().unwrap_or_default().to_string();
        if products_in_file {
            s.products.insert(sku.clone(), r.clone());
            if let Some(p) = text(&r["preco"]) {
                s.prices
                    .insert(sku.clone(), (p, text(&r["precoPromocional"])));
            }
            for st in r["estoques"].as_array().into_iter().flatten() {
                if let (Some(loja), Some(q)) = (st["loja"].as_str(), text(&st["quantidade"])) {
                    s.stock.insert((sku.clone(), loja.to_string()), q);
                }
            }
        }
        match ty {
            7 => {
                if let Some(p) = text(&r["preco"]) {
                    s.prices.insert(sku, (p, text(&r["precoPromocional"])));
                }
            }
            2 => {
                if let (Some(loja), Some(q)) = (r["loja"].as_str(), text(&r["quantidade"])) {
                    s.stock.insert((sku, loja.to_string()), q);
                }
            }
            _ => {}
        }
    }
    Ok(())
}
