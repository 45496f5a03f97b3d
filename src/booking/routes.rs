//! Booking endpoints: catalog, quotes, availability, appointments (customer and
//! operator). Handlers extract, call one service function and map the result.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::fields::{BookingDate, BookingTime, FieldError};
use super::pricing::{ServiceCode, Urgency};
use super::repository::AppointmentFilter;
use super::requests::{
    parse_add_ons, parse_frequency, parse_service, parse_square_feet, BookingRequest,
};
use super::service::QuoteInput;
use super::status::AppointmentStatus;
use crate::auth::Operator;
use crate::error::{ok, ApiJson, ApiQuery, ApiResult, AppError};
use crate::state::AppState;

/// Booking routes, mounted under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/services", get(list_services))
        .route("/services/{code}", put(update_service))
        .route("/quotes", post(create_quote))
        .route("/availability", get(get_availability))
        .route(
            "/appointments",
            post(create_appointment).get(list_appointments),
        )
        .route(
            "/appointments/{reference}",
            get(get_appointment).patch(update_appointment),
        )
        .route(
            "/appointments/{reference}/reschedule",
            post(reschedule_appointment),
        )
        .route("/appointments/{reference}/cancel", post(cancel_appointment))
}

async fn list_services(State(state): State<AppState>) -> ApiResult {
    Ok(ok(state.booking.catalog().await?).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ServiceUpdate {
    name: Option<String>,
    description: Option<String>,
    /// Dollars per hour.
    hourly_rate: Option<f64>,
    active: Option<bool>,
}

async fn update_service(
    _operator: Operator,
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiJson(update): ApiJson<ServiceUpdate>,
) -> ApiResult {
    let code = parse_service(&code).map_err(|_| AppError::NotFound("service"))?;
    let rate_cents = match update.hourly_rate {
        None => None,
        Some(rate) if rate.is_finite() && (0.0..=10_000.0).contains(&rate) => {
            Some((rate * 100.0).round() as i64)
        }
        Some(_) => {
            return Err(AppError::validation(
                "hourlyRate",
                "must be between 0 and 10000 dollars",
            ))
        }
    };
    let text = |value: &Option<String>,
                field: &'static str,
                max: usize|
     -> Result<Option<String>, AppError> {
        match value.as_deref().map(str::trim) {
            None => Ok(None),
            Some(v) if v.is_empty() || v.chars().count() > max => Err(AppError::validation(
                field,
                format!("must be 1 to {max} characters"),
            )),
            Some(v) => Ok(Some(v.to_owned())),
        }
    };
    let name = text(&update.name, "name", 80)?;
    let description = text(&update.description, "description", 500)?;
    let entry = state
        .booking
        .update_service(
            code,
            name.as_deref(),
            description.as_deref(),
            rate_cents,
            update.active,
        )
        .await?;
    Ok(ok(entry).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QuoteBody {
    service_type: Option<String>,
    square_feet: Option<serde_json::Value>,
    frequency: Option<String>,
    add_ons: Option<Vec<String>>,
    urgency: Option<String>,
}

async fn create_quote(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<QuoteBody>,
) -> ApiResult {
    let service = parse_service(body.service_type.as_deref().unwrap_or_default())?;
    let urgency = match body
        .urgency
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        None | Some("none") => Urgency::Standard,
        Some(u) => u
            .parse()
            .map_err(|e: super::pricing::UnknownCode| FieldError {
                field: "urgency",
                message: e.to_string(),
            })?,
    };
    let input = QuoteInput {
        service,
        square_feet: parse_square_feet(body.square_feet.as_ref())?.map(|s| s.get()),
        frequency: parse_frequency(body.frequency.as_deref())?,
        add_ons: parse_add_ons(body.add_ons.as_deref())?,
        urgency,
    };
    Ok(ok(state.booking.quote(&input).await?).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AvailabilityQuery {
    date: Option<String>,
    service_type: Option<String>,
    square_feet: Option<String>,
}

async fn get_availability(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<AvailabilityQuery>,
) -> ApiResult {
    let date = BookingDate::parse(query.date.as_deref().unwrap_or_default())?;
    let service = match query.service_type.as_deref() {
        None | Some("") => ServiceCode::Standard,
        Some(code) => parse_service(code)?,
    };
    let square_feet = parse_square_feet(query.square_feet.map(serde_json::Value::String).as_ref())?;
    let availability = state
        .booking
        .availability(date.get(), service, square_feet.map(|s| s.get()))
        .await?;
    Ok(ok(availability).into_response())
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(value) => {
            let key = value.to_str().unwrap_or_default().trim();
            if key.is_empty() || key.len() > 255 {
                return Err(AppError::validation(
                    "Idempotency-Key",
                    "must be 1 to 255 visible characters",
                ));
            }
            Ok(Some(key.to_owned()))
        }
    }
}

async fn create_appointment(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<BookingRequest>,
) -> ApiResult {
    let key = idempotency_key(&headers)?;
    let appointment = state
        .booking
        .book_idempotent(&request, key.as_deref())
        .await?;
    Ok((StatusCode::CREATED, ok(appointment)).into_response())
}

#[derive(Deserialize)]
struct ContactQuery {
    contact: Option<String>,
}

/// With an operator token: the full record. Otherwise the customer's own booking,
/// which needs `?contact=` (the phone or email on it).
async fn get_appointment(
    operator: Option<Operator>,
    State(state): State<AppState>,
    Path(reference): Path<String>,
    ApiQuery(query): ApiQuery<ContactQuery>,
) -> ApiResult {
    let appointment = match (operator, query.contact) {
        (Some(_), _) => state.booking.find(&reference).await?,
        (None, Some(contact)) => {
            state
                .booking
                .find_for_customer(&reference, &contact)
                .await?
        }
        (None, None) => {
            return Err(AppError::validation(
                "contact",
                "give the phone or email used for the booking",
            ))
        }
    };
    Ok(ok(appointment).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusChange {
    status: String,
    reason: Option<String>,
}

async fn update_appointment(
    _operator: Operator,
    State(state): State<AppState>,
    Path(reference): Path<String>,
    ApiJson(change): ApiJson<StatusChange>,
) -> ApiResult {
    let status: AppointmentStatus = change
        .status
        .parse()
        .map_err(|message: String| AppError::validation("status", message))?;
    let appointment = state
        .booking
        .change_status(&reference, status, change.reason.as_deref())
        .await?;
    Ok(ok(appointment).into_response())
}

#[derive(Deserialize)]
struct RescheduleBody {
    contact: Option<String>,
    date: Option<String>,
    time: Option<String>,
}

async fn reschedule_appointment(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    ApiJson(body): ApiJson<RescheduleBody>,
) -> ApiResult {
    let contact = body
        .contact
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| AppError::validation("contact", "is required"))?;
    let date = BookingDate::parse(body.date.as_deref().unwrap_or_default())?;
    let time = BookingTime::parse(body.time.as_deref().unwrap_or_default())?;
    let appointment = state
        .booking
        .reschedule(&reference, &contact, date.get(), time.get())
        .await?;
    Ok(ok(appointment).into_response())
}

#[derive(Deserialize)]
struct CancelBody {
    contact: Option<String>,
    reason: Option<String>,
}

async fn cancel_appointment(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    ApiJson(body): ApiJson<CancelBody>,
) -> ApiResult {
    let contact = body
        .contact
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| AppError::validation("contact", "is required"))?;
    if body
        .reason
        .as_deref()
        .is_some_and(|r| r.chars().count() > 500)
    {
        return Err(AppError::validation(
            "reason",
            "must be at most 500 characters",
        ));
    }
    let appointment = state
        .booking
        .cancel(&reference, &contact, body.reason.as_deref())
        .await?;
    Ok(ok(appointment).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    status: Option<String>,
    service_type: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

async fn list_appointments(
    _operator: Operator,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult {
    let filter = AppointmentFilter {
        status: match query.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(
                s.parse()
                    .map_err(|m: String| AppError::validation("status", m))?,
            ),
        },
        service: match query.service_type.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(parse_service(s)?),
        },
        from: match query.from.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(
                BookingDate::parse(s)
                    .map_err(|e| AppError::validation("from", e.message))?
                    .get(),
            ),
        },
        to: match query.to.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(
                BookingDate::parse(s)
                    .map_err(|e| AppError::validation("to", e.message))?
                    .get(),
            ),
        },
        search: query
            .q
            .filter(|q| !q.trim().is_empty())
            .map(|q| q.trim().to_owned()),
    };
    let page = query.page.unwrap_or(1).max(1);
    let page_size = query.page_size.unwrap_or(20).clamp(1, 100);
    let (items, total) = state
        .booking
        .list(&filter, page_size, (page - 1).saturating_mul(page_size))
        .await?;
    Ok(ok(json!({
        "items": items,
        "total": total,
        "page": page,
        "pageSize": page_size,
    }))
    .into_response())
}
