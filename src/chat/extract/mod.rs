//! Language understanding for the built-in (no-LLM) chat agent: turns one customer
//! message into the intent and field values it holds. Pure code, no I/O; the dialogue
//! state and replies live in the engine that calls `Extractor::extract`.
//!
//! Each field has its own module. `extract` reads the fields whose shapes are most
//! certain first and blanks what it has read, so a phone number is never also a size
//! and a house number never a time: emails, references, phones, street addresses,
//! dates, sizes, times, then the words (service, intent, yes/no, name).

mod address;
mod calendar;
mod contact;
mod dates;
mod intent;
mod name;
mod service;
mod size;
mod text;
mod times;

#[cfg(test)]
mod tests;

use chrono::{NaiveDate, NaiveTime};

/// The field the agent just asked for, so bare answers ("Friday", "Alice Turner",
/// "9am", "12 Oak Street") are understood.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The customer's name.
    Name,
    /// A phone number.
    Phone,
    /// An email address.
    Email,
    /// The street address of the job.
    Address,
    /// Which service (standard, deep, …).
    ServiceType,
    /// Floor area in square feet.
    SquareFeet,
    /// The day of the appointment.
    Date,
    /// The start time of the appointment.
    Time,
    /// Yes or no to a proposed booking.
    Confirmation,
    /// A booking reference such as `CS-7K2M9P`.
    Reference,
    /// The phone or email on an existing booking.
    Contact,
}

/// When the customer wants the job to start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeRequest {
    /// A start time: "2pm", "14:30", "around 2" (14:00).
    Exact(NaiveTime),
    /// Any start in `[from, to)`: "morning" 09:00–12:00, "afternoon" 12:00–17:00,
    /// "evening" or "after work" 15:00–17:00, "after 2" 14:00–17:00.
    Window {
        /// Earliest start.
        from: NaiveTime,
        /// End of the window.
        to: NaiveTime,
    },
}

/// What the customer wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intent {
    /// Make a new booking.
    Book,
    /// Move an existing booking.
    Reschedule,
    /// Cancel an existing booking.
    Cancel,
    /// See an existing booking.
    Lookup,
    /// A general question.
    Faq(FaqTopic),
    /// "Hi", "good morning".
    Greeting,
    /// "Thanks", "bye".
    Thanks,
    /// A message in which nothing at all was understood.
    Unknown,
}

/// The subject of a general question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaqTopic {
    /// Opening hours and days.
    Hours,
    /// Prices, rates, quotes.
    Prices,
    /// What services exist and what they include.
    Services,
    /// Where the company works.
    Areas,
    /// Cancellation, insurance, supplies, payment and similar rules.
    Policies,
    /// How to reach the company or a human.
    Contact,
}

/// Everything understood in one message. `None`/empty means "not said".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extraction {
    /// The intent; `None` when the message only carries values, `Unknown` when
    /// nothing at all was understood.
    pub intent: Option<Intent>,
    /// Service code: "standard", "deep", "move_in_out", "office", "carpet",
    /// "windows" or "estimate".
    pub service: Option<&'static str>,
    /// Floor area in square feet.
    pub square_feet: Option<u32>,
    /// "one_time", "weekly", "biweekly" or "monthly".
    pub frequency: Option<&'static str>,
    /// Add-on codes: "inside_fridge", "inside_oven", "interior_windows", "pet_hair",
    /// "eco_products", "laundry".
    pub add_ons: Vec<&'static str>,
    /// The requested day.
    pub date: Option<NaiveDate>,
    /// The requested start time or window.
    pub time: Option<TimeRequest>,
    /// The customer's name, titles dropped, capitalised.
    pub name: Option<String>,
    /// Digits only: 10 national digits for North American numbers, otherwise `+`
    /// and all digits.
    pub phone: Option<String>,
    /// Email address, lowercased.
    pub email: Option<String>,
    /// Street address as written, spaces tidied.
    pub address: Option<String>,
    /// Booking reference, `CS-XXXXXX` uppercase.
    pub reference: Option<String>,
    /// `Some(true)` for yes/confirm, `Some(false)` for no/not that one.
    pub yes: Option<bool>,
    /// The customer corrects an earlier value ("actually", "instead", "make it"):
    /// values in this message replace earlier ones, and within it the last one wins.
    pub correction: bool,
}

/// Every pattern the extractors need, compiled once; cheap to share behind an `Arc`.
pub struct Extractor {
    contact: contact::ContactRules,
    address: address::AddressRules,
    dates: dates::DateRules,
    size: size::SizeRules,
    times: times::TimeRules,
    service: service::ServiceRules,
    intent: intent::IntentRules,
    name: name::NameRules,
}

impl Extractor {
    /// Compiles every pattern. Fails only if a pattern is malformed, which the tests
    /// rule out, so callers may treat an error as a startup bug.
    pub fn new() -> Result<Extractor, regex::Error> {
        Ok(Extractor {
            contact: contact::ContactRules::new()?,
            address: address::AddressRules::new()?,
            dates: dates::DateRules::new()?,
            size: size::SizeRules::new()?,
            times: times::TimeRules::new()?,
            service: service::ServiceRules::new()?,
            intent: intent::IntentRules::new()?,
            name: name::NameRules::new()?,
        })
    }

    /// Reads one customer message. `today` is the business-local date that relative
    /// dates count from; `expecting` is the field the agent just asked for.
    pub fn extract(&self, text: &str, today: NaiveDate, expecting: Option<Field>) -> Extraction {
        let asked = |f: Field| expecting == Some(f);
        let norm = text::normalize(text);
        let mut buf = norm.clone();
        let mut out = Extraction {
            correction: self.intent.correction(&norm),
            ..Extraction::default()
        };
        self.intent.strip_greeting(&mut buf);
        let contact_asked = asked(Field::Email) || asked(Field::Contact);
        out.email = self.contact.take_email(&mut buf, contact_asked);
        out.reference = self
            .contact
            .take_reference(&mut buf, asked(Field::Reference));
        let phone_asked = asked(Field::Phone) || asked(Field::Contact);
        out.phone = self.contact.take_phone(&mut buf, phone_asked);
        out.address = self.address.take(&mut buf, asked(Field::Address));
        out.date = self
            .dates
            .take(&mut buf, today, asked(Field::Date), out.correction);
        out.square_feet = self
            .size
            .take(&mut buf, asked(Field::SquareFeet), out.correction);
        out.time = self
            .times
            .take(&mut buf, asked(Field::Time), out.correction);
        let work = self
            .service
            .scan(&buf, &norm, asked(Field::ServiceType), out.correction);
        out.service = work.service;
        out.frequency = work.frequency;
        out.add_ons = work.add_ons;
        out.yes = self.intent.yes_no(&buf);
        // "Sounds good, but make it 3pm instead" changes the proposal rather than
        // accepting it.
        if out.correction && out.yes == Some(true) && (out.date.is_some() || out.time.is_some()) {
            out.yes = None;
        }
        let signals = intent::Signals {
            reference: out.reference.is_some() && !asked(Field::Reference),
            work: out.service.is_some(),
            estimate: out.service == Some("estimate"),
            confirming: asked(Field::Confirmation),
        };
        out.intent = self.intent.classify(&norm, signals);
        let has_contact = out.phone.is_some() || out.email.is_some();
        out.name = self.name.take(&buf, asked(Field::Name), has_contact);
        // A free-form address is whatever is left, so only when nothing else was said.
        let other_values = out.date.is_some()
            || out.time.is_some()
            || out.phone.is_some()
            || out.email.is_some()
            || out.square_feet.is_some()
            || out.reference.is_some()
            || out.yes.is_some();
        if asked(Field::Address) && out.address.is_none() && !other_values {
            out.address = self.address.free_form(&mut buf);
        }
        if out.intent.is_none() && nothing_found(&out) && !norm.trim().is_empty() {
            out.intent = Some(Intent::Unknown);
        }
        out
    }
}

fn nothing_found(e: &Extraction) -> bool {
    e.service.is_none()
        && e.square_feet.is_none()
        && e.frequency.is_none()
        && e.add_ons.is_empty()
        && e.date.is_none()
        && e.time.is_none()
        && e.name.is_none()
        && e.phone.is_none()
        && e.email.is_none()
        && e.address.is_none()
        && e.reference.is_none()
        && e.yes.is_none()
}
