//! Tests of the extractors through `Extractor::extract`, grouped by what they read.
//! The reference clock of the evaluation set is Tuesday 2026-12-01.

mod contact;
mod dates;
mod dev_dialogues;
mod intent;
mod robustness;
mod size_service;
mod times;
mod variant_dialogues;

use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveTime};

use super::Extraction as Ex;

use super::{Extraction, Extractor, Field, TimeRequest};

/// One compiled extractor shared by every test.
pub(super) fn ex() -> &'static Extractor {
    static EX: OnceLock<Extractor> = OnceLock::new();
    EX.get_or_init(|| Extractor::new().unwrap())
}

/// Tuesday 2026-12-01, the evaluation's reference day.
pub(super) fn tue() -> NaiveDate {
    day(2026, 12, 1)
}

pub(super) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(super) fn at(h: u32, m: u32) -> Option<TimeRequest> {
    Some(TimeRequest::Exact(
        NaiveTime::from_hms_opt(h, m, 0).unwrap(),
    ))
}

pub(super) fn between(h1: u32, h2: u32) -> Option<TimeRequest> {
    Some(TimeRequest::Window {
        from: NaiveTime::from_hms_opt(h1, 0, 0).unwrap(),
        to: NaiveTime::from_hms_opt(h2, 0, 0).unwrap(),
    })
}

/// Reads `text` on the reference Tuesday with nothing asked.
pub(super) fn read(text: &str) -> Extraction {
    ex().extract(text, tue(), None)
}

/// Reads `text` on the reference Tuesday as the answer to `field`.
pub(super) fn answer(text: &str, field: Field) -> Extraction {
    ex().extract(text, tue(), Some(field))
}

/// A scripted customer: the opening, the answer to each field the agent asks for,
/// the confirmation, and what the booking must hold.
pub(super) struct Dialogue {
    pub id: &'static str,
    pub opening: &'static str,
    pub answers: &'static [(Field, &'static str)],
    pub confirm: &'static str,
    pub service: &'static str,
    pub date: &'static str,
    /// "HH:MM" for an exact start, "HH:MM-HH:MM" for a window.
    pub time: &'static str,
    pub name: &'static str,
    pub phone: &'static str,
    pub email: Option<&'static str>,
    pub square_feet: Option<u32>,
}

/// Later values replace earlier ones, as the engine does.
fn merge(into: &mut Ex, from: Ex) {
    into.service = from.service.or(into.service);
    into.square_feet = from.square_feet.or(into.square_feet);
    into.date = from.date.or(into.date);
    into.time = from.time.or(into.time);
    into.name = from.name.or(into.name.take());
    into.phone = from.phone.or(into.phone.take());
    into.email = from.email.or(into.email.take());
    into.address = from.address.or(into.address.take());
}

fn expected_time(s: &str) -> Option<TimeRequest> {
    let t = |x: &str| NaiveTime::parse_from_str(x, "%H:%M").ok();
    match s.split_once('-') {
        Some((from, to)) => Some(TimeRequest::Window {
            from: t(from)?,
            to: t(to)?,
        }),
        None => t(s).map(TimeRequest::Exact),
    }
}

/// Plays `d` the way the engine reads it and checks the merged values.
pub(super) fn check_dialogue(d: &Dialogue) {
    let mut got = ex().extract(d.opening, tue(), None);
    for (field, text) in d.answers {
        merge(&mut got, ex().extract(text, tue(), Some(*field)));
    }
    let id = d.id;
    assert_eq!(got.service, Some(d.service), "{id} service");
    let date = NaiveDate::parse_from_str(d.date, "%Y-%m-%d").ok();
    assert_eq!(got.date, date, "{id} date");
    assert_eq!(got.time, expected_time(d.time), "{id} time");
    assert_eq!(got.name.as_deref(), Some(d.name), "{id} name");
    assert_eq!(got.phone.as_deref(), Some(d.phone), "{id} phone");
    if let Some(email) = d.email {
        assert_eq!(got.email.as_deref(), Some(email), "{id} email");
    }
    assert_eq!(got.square_feet, d.square_feet, "{id} size");
    let confirm = ex().extract(d.confirm, tue(), Some(Field::Confirmation));
    assert_eq!(confirm.yes, Some(true), "{id} confirm");
}
