//! Answers to common questions, built from the catalog and the calendar rules so they
//! can never disagree with what the booking code does. Pure functions.

use crate::booking::service::CatalogEntry;

use super::extract::FaqTopic;

/// Areas we serve.
pub const SERVICE_AREAS: &str =
    "Albany, Troy, Schenectady, Saratoga Springs and the surrounding Capital Region";

/// The answer to a question on `topic`.
pub fn answer(topic: FaqTopic, catalog: &[CatalogEntry]) -> String {
    match topic {
        FaqTopic::Hours => "We work Monday to Friday 9:00 AM to 5:00 PM and Saturday 10:00 AM to 3:00 PM; we're closed on Sundays. You can book from 2 hours ahead up to 60 days out.".to_owned(),
        FaqTopic::Prices => {
            let rates: Vec<String> = catalog
                .iter()
                .filter(|s| s.active && s.hourly_rate.0 > 0)
                .map(|s| format!("{} ${}/h", s.name.to_lowercase(), s.hourly_rate.0 / 100))
                .collect();
            format!(
                "Our rates: {}. Time depends on size (2 h up to 1,000 sq ft, 3 h up to 2,500, 4 h up to 4,000, 6 h up to 10,000, with a size factor), and the on-site estimate is free. Recurring plans get 10% off. Tell me the service and size for an exact quote.",
                rates.join(", ")
            )
        }
        FaqTopic::Services => {
            let names: Vec<String> = catalog
                .iter()
                .filter(|s| s.active)
                .map(|s| s.name.clone())
                .collect();
            format!("We offer: {}.", names.join(", "))
        }
        FaqTopic::Areas => format!("We serve {SERVICE_AREAS}."),
        FaqTopic::Policies => "You can reschedule or cancel free of charge with your booking reference and the phone or email you booked with. Same-day jobs add $75 and next-day jobs $50; payment is due after the cleaning.".to_owned(),
        FaqTopic::Contact => "You can reach us through the contact form on this page, or just leave your details here and we'll get back to you.".to_owned(),
    }
}
