//! Contact-form inquiries: `POST /api/inquiries` (public) and `GET /api/inquiries`
//! (operator). Validation here, SQL in `repository`. The message is stored redacted;
//! the contact fields are kept as given, they are what the customer wants us to use.

mod repository;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Operator;
use crate::booking::fields::{Email, PersonName, PhoneNumber};
use crate::error::{ok, ApiJson, ApiQuery, ApiResult, AppError};
use crate::safety::Scanner;
use crate::state::AppState;

pub use repository::Inquiry;

/// Longest accepted message.
pub const MAX_MESSAGE_CHARS: usize = 2_000;

/// Inquiry routes, mounted under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/inquiries", post(create_inquiry).get(list_inquiries))
}

#[derive(Deserialize)]
struct InquiryBody {
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    message: Option<String>,
}

/// A validated inquiry.
#[derive(Debug)]
pub struct NewInquiry {
    pub name: PersonName,
    pub phone: Option<PhoneNumber>,
    pub email: Option<Email>,
    /// The message with its personal data replaced by placeholders.
    pub message: String,
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn validate(body: &InquiryBody, scanner: &Scanner) -> Result<NewInquiry, AppError> {
    let name = PersonName::parse(
        present(&body.name).ok_or_else(|| AppError::validation("name", "is required"))?,
    )?;
    let phone = present(&body.phone).map(PhoneNumber::parse).transpose()?;
    let email = present(&body.email).map(Email::parse).transpose()?;
    if phone.is_none() && email.is_none() {
        return Err(AppError::validation(
            "email",
            "give a phone number or an email so we can answer",
        ));
    }
    let message =
        present(&body.message).ok_or_else(|| AppError::validation("message", "is required"))?;
    if message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(AppError::validation(
            "message",
            format!("must be at most {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    Ok(NewInquiry {
        name,
        phone,
        email,
        message: scanner.redact(message),
    })
}

async fn create_inquiry(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<InquiryBody>,
) -> ApiResult {
    let inquiry = validate(&body, &state.scanner)?;
    let id = repository::insert(&state.db, &inquiry, state.clock.now()).await?;
    Ok((
        StatusCode::CREATED,
        ok(json!({ "id": id, "message": "Thanks! We will get back to you within one business day." })),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    page: Option<u32>,
    page_size: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InquiryPage {
    items: Vec<Inquiry>,
    total: i64,
    page: u32,
    page_size: u32,
}

async fn list_inquiries(
    _operator: Operator,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult {
    let page = query.page.unwrap_or(1).max(1);
    let page_size = query.page_size.unwrap_or(20).clamp(1, 100);
    let (items, total) =
        repository::list(&state.db, page_size, (page - 1).saturating_mul(page_size)).await?;
    Ok(ok(InquiryPage {
        items,
        total,
        page,
        page_size,
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(phone: &str, email: &str, message: &str) -> InquiryBody {
        InquiryBody {
            name: Some("Ana Ruiz".to_owned()),
            phone: Some(phone.to_owned()),
            email: Some(email.to_owned()),
            message: Some(message.to_owned()),
        }
    }

    #[test]
    fn the_message_is_redacted_and_the_contact_fields_kept() {
        let scanner = Scanner::new().expect("scanner builds");
        let inquiry = validate(
            &body(
                "555-201-3344",
                "ana.ruiz@example.com",
                "Text my cell 555-867-5309 or mail ana.other@example.org, card 4111 1111 1111 1111",
            ),
            &scanner,
        )
        .expect("valid");
        assert_eq!(
            inquiry.message,
            "Text my cell [PHONE] or mail [EMAIL], card [CARD]"
        );
        assert_eq!(
            inquiry.phone.as_ref().map(|p| p.as_e164()),
            Some("+15552013344")
        );
        assert_eq!(
            inquiry.email.as_ref().map(|e| e.as_str()),
            Some("ana.ruiz@example.com")
        );
    }

    #[test]
    fn a_missing_message_names_the_field() {
        let scanner = Scanner::new().expect("scanner builds");
        let error = validate(&body("555-201-3344", "", "  "), &scanner).expect_err("invalid");
        assert!(
            matches!(&error, AppError::Validation { field, .. } if field == "message"),
            "{error:?}"
        );
    }
}
