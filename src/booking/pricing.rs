//! Catalog codes, job durations and quote pricing: pure integer-cent arithmetic.
//! Hourly rates are passed in (they live in the editable `services` table); no I/O here.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Square feet assumed when the customer has not given a size.
pub const ASSUMED_SQUARE_FEET: u32 = 1_500;
/// Largest size that can be booked for anything but an estimate.
pub const MAX_TIERED_SQUARE_FEET: u32 = 10_000;
/// Discount on the subtotal (base plus add-ons) for recurring plans.
pub const RECURRING_DISCOUNT_PERCENT: i64 = 10;
/// Length of a free on-site estimate, whatever the size.
pub const ESTIMATE_MINUTES: u32 = 45;
/// Shortest carpet or window job.
pub const MIN_HALF_TIER_MINUTES: u32 = 60;

/// A value given for a code enum that is not one of its codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`; expected one of: {expected}")]
pub struct UnknownCode {
    /// What was being parsed, e.g. "service type".
    pub kind: &'static str,
    /// The value as given.
    pub value: String,
    /// The accepted codes, comma separated.
    pub expected: String,
}

/// Declares a closed set of snake_case codes with `as_str`, `label`, `ALL`, `FromStr`,
/// `Display` and serde as the code.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident, $kind:literal {
        $($(#[$vmeta:meta])* $variant:ident => $code:literal, $label:literal;)+
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            /// Every value, in catalog order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable snake_case code used in the API and the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Customer-facing name.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownCode;

            /// Accepts the code in any case, with `-` or spaces for `_`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
                Self::ALL.iter().copied().find(|v| v.as_str() == wanted).ok_or_else(|| UnknownCode {
                    kind: $kind,
                    value: s.to_string(),
                    expected: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

code_enum!(
    /// A service of the catalog.
    ServiceCode, "service type" {
        Standard => "standard", "Standard cleaning";
        Deep => "deep", "Deep cleaning";
        MoveInOut => "move_in_out", "Move-in / move-out cleaning";
        Office => "office", "Office / commercial cleaning";
        Carpet => "carpet", "Carpet cleaning";
        Windows => "windows", "Window washing";
        Estimate => "estimate", "Free on-site estimate";
    }
);

impl ServiceCode {
    /// Customer-facing name, as seeded in the catalog (same as `label`).
    pub fn display_name(self) -> &'static str {
        self.label()
    }
}

code_enum!(
    /// How often the cleaning repeats.
    #[derive(Default)]
    Frequency, "frequency" {
        #[default]
        OneTime => "one_time", "One-time";
        Weekly => "weekly", "Weekly";
        Biweekly => "biweekly", "Biweekly";
        Monthly => "monthly", "Monthly";
    }
);

impl Frequency {
    /// True for the plans that earn the recurring discount.
    pub fn is_recurring(self) -> bool {
        self != Frequency::OneTime
    }
}

code_enum!(
    /// An extra priced at a flat amount per visit.
    AddOn, "add-on" {
        InsideFridge => "inside_fridge", "Inside fridge";
        InsideOven => "inside_oven", "Inside oven";
        InteriorWindows => "interior_windows", "Interior windows";
        PetHair => "pet_hair", "Pet hair removal";
        EcoProducts => "eco_products", "Eco-friendly products";
        Laundry => "laundry", "Laundry";
    }
);

impl AddOn {
    /// Flat price in whole dollars.
    pub fn price_dollars(self) -> i64 {
        match self {
            AddOn::InsideFridge | AddOn::InsideOven => 35,
            AddOn::InteriorWindows => 50,
            AddOn::PetHair => 25,
            AddOn::EcoProducts => 30,
            AddOn::Laundry => 40,
        }
    }
}

code_enum!(
    /// How soon the job is, which may add a fee.
    #[derive(Default)]
    Urgency, "urgency" {
        #[default]
        Standard => "standard", "Standard scheduling";
        NextDay => "next_day", "Next-day service";
        SameDay => "same_day", "Same-day service";
    }
);

impl Urgency {
    /// Fee in whole dollars.
    pub fn fee_dollars(self) -> i64 {
        match self {
            Urgency::Standard => 0,
            Urgency::NextDay => 50,
            Urgency::SameDay => 75,
        }
    }

    /// Urgency of a job on `job_date` booked on `today` (both local business dates).
    /// A date not after today counts as same day; the calendar refuses past dates anyway.
    pub fn for_dates(job_date: NaiveDate, today: NaiveDate) -> Urgency {
        match (job_date - today).num_days() {
            ..=0 => Urgency::SameDay,
            1 => Urgency::NextDay,
            _ => Urgency::Standard,
        }
    }
}

/// One size band of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeTier {
    /// Largest size in the band, inclusive.
    pub max_square_feet: u32,
    /// Hours of a standard cleaning in this band.
    pub hours: u32,
    /// Price factor in percent (120 means ×1.2).
    pub factor_percent: u32,
}

const fn tier(max_square_feet: u32, hours: u32, factor_percent: u32) -> SizeTier {
    SizeTier {
        max_square_feet,
        hours,
        factor_percent,
    }
}

/// The size bands, smallest first; larger places can only book an estimate.
pub const SIZE_TIERS: [SizeTier; 4] = [
    tier(1_000, 2, 100),
    tier(2_500, 3, 120),
    tier(4_000, 4, 140),
    tier(MAX_TIERED_SQUARE_FEET, 6, 160),
];

/// The band of a size, or `None` above 10,000 sq ft.
pub fn size_tier(square_feet: u32) -> Option<SizeTier> {
    SIZE_TIERS
        .into_iter()
        .find(|t| square_feet <= t.max_square_feet)
}

/// Why a quote or a duration cannot be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// The place is too large for a fixed price.
    #[error(
        "{square_feet} sq ft is above our 10,000 sq ft limit for fixed prices; \
         please book a free on-site estimate instead"
    )]
    EstimateOnly {
        /// The size given.
        square_feet: u32,
    },
    /// The catalog holds a negative rate.
    #[error("the hourly rate cannot be negative (got {rate_cents} cents)")]
    NegativeRate {
        /// The rate given, in cents.
        rate_cents: i64,
    },
}

/// Length of a job in whole minutes. Unknown size counts as 1,500 sq ft.
pub fn job_minutes(service: ServiceCode, square_feet: Option<u32>) -> Result<u32, QuoteError> {
    if service == ServiceCode::Estimate {
        return Ok(ESTIMATE_MINUTES);
    }
    let square_feet = square_feet.unwrap_or(ASSUMED_SQUARE_FEET);
    let tier = size_tier(square_feet).ok_or(QuoteError::EstimateOnly { square_feet })?;
    let tier_minutes = tier.hours * 60;
    Ok(match service {
        ServiceCode::Standard | ServiceCode::Office => tier_minutes,
        ServiceCode::Deep => tier_minutes * 3 / 2,
        ServiceCode::MoveInOut => tier_minutes * 2,
        ServiceCode::Carpet | ServiceCode::Windows => (tier_minutes / 2).max(MIN_HALF_TIER_MINUTES),
        ServiceCode::Estimate => ESTIMATE_MINUTES,
    })
}

/// What the customer asked a price for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteRequest {
    /// The service.
    pub service: ServiceCode,
    /// Hourly rate in cents, from the catalog.
    pub rate_cents: i64,
    /// Size, if the customer gave it.
    pub square_feet: Option<u32>,
    /// How often.
    pub frequency: Frequency,
    /// Extras; a repeated add-on is charged once.
    pub add_ons: Vec<AddOn>,
    /// Same day, next day or later.
    pub urgency: Urgency,
}

/// An amount in cents that serializes as dollars: `14500` → `145`, `1450` → `14.5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Money(pub i64);

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Cents below 2^53 are exact in f64, and /100 prints the shortest decimal form.
        if self.0 % 100 == 0 {
            serializer.serialize_i64(self.0 / 100)
        } else {
            serializer.serialize_f64(self.0 as f64 / 100.0)
        }
    }
}

/// One line of the breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuoteLine {
    /// What the line is, with its arithmetic for the base line.
    pub label: String,
    /// Signed amount; the discount is negative.
    pub amount: Money,
}

impl QuoteLine {
    fn new(label: String, cents: i64) -> Self {
        QuoteLine {
            label,
            amount: Money(cents),
        }
    }
}

/// A priced quote with its breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    /// The service quoted.
    pub service_type: ServiceCode,
    /// The size used for pricing (1,500 when assumed).
    pub square_feet: u32,
    /// True when the customer gave no size.
    pub size_assumed: bool,
    /// How often.
    pub frequency: Frequency,
    /// Urgency applied (always standard for an estimate).
    pub urgency: Urgency,
    /// Length of one visit.
    pub duration_minutes: u32,
    /// Base, each add-on, urgency and discount.
    pub lines: Vec<QuoteLine>,
    /// Base plus add-ons.
    pub subtotal: Money,
    /// Recurring discount, as a positive amount.
    pub discount: Money,
    /// Same-day or next-day fee.
    pub urgency_fee: Money,
    /// What the customer pays per visit, in whole dollars.
    pub total: i64,
    /// Always "USD".
    pub currency: &'static str,
    /// Assumptions and conditions worth telling the customer.
    pub notes: Vec<String>,
}

/// Prices a request: rate × job hours × size factor + add-ons + urgency − discount,
/// rounded half up to whole dollars. An estimate has no size factor, add-ons or urgency.
pub fn quote(req: &QuoteRequest) -> Result<Quote, QuoteError> {
    if req.rate_cents < 0 {
        let rate_cents = req.rate_cents;
        return Err(QuoteError::NegativeRate { rate_cents });
    }
    let estimate = req.service == ServiceCode::Estimate;
    let square_feet = req.square_feet.unwrap_or(ASSUMED_SQUARE_FEET);
    let minutes = job_minutes(req.service, Some(square_feet))?;
    let tier = size_tier(square_feet).filter(|_| !estimate);
    let factor = tier.map_or(100, |t| t.factor_percent);
    // cents/h × minutes × percent: divide by 60 min and by 100 %.
    let base = div_round(
        req.rate_cents * i64::from(minutes) * i64::from(factor),
        6_000,
    );
    let mut label = format!(
        "{}: {} h × {}/h",
        req.service.label(),
        f64::from(minutes) / 60.0,
        dollars(req.rate_cents)
    );
    if let Some(t) = tier {
        let factor = f64::from(t.factor_percent) / 100.0;
        label += &format!(" × {factor:.1} size factor ({})", tier_range(t));
    }
    let mut lines = vec![QuoteLine::new(label, base)];
    let mut notes = Vec::new();
    if req.square_feet.is_none() && !estimate {
        let assumed = thousands(ASSUMED_SQUARE_FEET.into());
        notes.push(format!("Size not given: priced for {assumed} sq ft"));
    }

    // A free estimate cleans nothing and cannot be rushed, so extras are not charged.
    let urgency = Some(req.urgency).filter(|_| !estimate).unwrap_or_default();
    let mut add_ons = Vec::new();
    if estimate && (!req.add_ons.is_empty() || req.urgency != Urgency::Standard) {
        notes.push("Add-ons and rush fees do not apply to a free estimate".to_string());
    }
    for &add_on in req.add_ons.iter().filter(|_| !estimate) {
        if !add_ons.contains(&add_on) {
            add_ons.push(add_on);
            let label = format!("Add-on: {}", add_on.label());
            lines.push(QuoteLine::new(label, add_on.price_dollars() * 100));
        }
    }
    let subtotal = base + add_ons.iter().map(|a| a.price_dollars() * 100).sum::<i64>();

    let urgency_fee = urgency.fee_dollars() * 100;
    if urgency_fee > 0 {
        lines.push(QuoteLine::new(urgency.label().to_string(), urgency_fee));
    }
    let mut discount = 0;
    if req.frequency.is_recurring() {
        let plan = req.frequency.label();
        discount = div_round(subtotal * RECURRING_DISCOUNT_PERCENT, 100);
        let of = dollars(subtotal);
        let label = format!("{plan} plan discount ({RECURRING_DISCOUNT_PERCENT} % of {of})");
        lines.push(QuoteLine::new(label, -discount));
        notes.push(format!(
            "{plan} plan: {RECURRING_DISCOUNT_PERCENT} % off every visit; prices are per visit"
        ));
    }

    Ok(Quote {
        service_type: req.service,
        square_feet,
        size_assumed: req.square_feet.is_none(),
        frequency: req.frequency,
        urgency,
        duration_minutes: minutes,
        lines,
        subtotal: Money(subtotal),
        discount: Money(discount),
        urgency_fee: Money(urgency_fee),
        total: div_round(subtotal - discount + urgency_fee, 100),
        currency: "USD",
        notes,
    })
}

/// Divides a non-negative amount, rounding half up.
fn div_round(numerator: i64, denominator: i64) -> i64 {
    (numerator + denominator / 2).div_euclid(denominator)
}

/// "up to 1,000 sq ft", "1,001–2,500 sq ft".
fn tier_range(tier: SizeTier) -> String {
    let below = SIZE_TIERS
        .into_iter()
        .rev()
        .find(|t| t.max_square_feet < tier.max_square_feet);
    let max = thousands(tier.max_square_feet.into());
    match below {
        None => format!("up to {max} sq ft"),
        Some(t) => format!(
            "{}–{max} sq ft",
            thousands(u64::from(t.max_square_feet) + 1)
        ),
    }
}

/// 6000 cents → "$60", 6250 → "$62.50".
fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let (whole, rest) = (cents.unsigned_abs() / 100, cents.unsigned_abs() % 100);
    match rest {
        0 => format!("{sign}${}", thousands(whole)),
        _ => format!("{sign}${}.{rest:02}", thousands(whole)),
    }
}

/// 10000 → "10,000".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalog's opening rates, in cents per hour.
    fn rate_cents(service: ServiceCode) -> i64 {
        match service {
            ServiceCode::Standard => 6_000,
            ServiceCode::Deep => 8_000,
            ServiceCode::MoveInOut => 9_000,
            ServiceCode::Office => 7_000,
            ServiceCode::Carpet => 8_500,
            ServiceCode::Windows => 6_500,
            ServiceCode::Estimate => 0,
        }
    }

    fn request(service: ServiceCode, square_feet: Option<u32>) -> QuoteRequest {
        QuoteRequest {
            service,
            rate_cents: rate_cents(service),
            square_feet,
            frequency: Frequency::OneTime,
            add_ons: Vec::new(),
            urgency: Urgency::Standard,
        }
    }

    fn total(service: ServiceCode, square_feet: u32) -> i64 {
        quote(&request(service, Some(square_feet)))
            .map(|q| q.total)
            .unwrap()
    }

    #[test]
    fn a_1000_sq_ft_home_is_in_the_first_tier() {
        assert_eq!(job_minutes(ServiceCode::Standard, Some(1_000)), Ok(120));
        assert_eq!(total(ServiceCode::Standard, 1_000), 120);
    }

    #[test]
    fn a_1001_sq_ft_home_is_in_the_second_tier() {
        assert_eq!(job_minutes(ServiceCode::Standard, Some(1_001)), Ok(180));
        assert_eq!(total(ServiceCode::Standard, 1_001), 216);
    }

    #[test]
    fn a_2500_sq_ft_home_is_still_in_the_second_tier_and_2501_in_the_third() {
        assert_eq!(job_minutes(ServiceCode::Standard, Some(2_500)), Ok(180));
        assert_eq!(total(ServiceCode::Standard, 2_500), 216);
        assert_eq!(job_minutes(ServiceCode::Standard, Some(2_501)), Ok(240));
        assert_eq!(total(ServiceCode::Standard, 2_501), 336);
    }

    #[test]
    fn a_4000_sq_ft_home_is_still_in_the_third_tier_and_4001_in_the_fourth() {
        assert_eq!(total(ServiceCode::Standard, 4_000), 336);
        assert_eq!(job_minutes(ServiceCode::Standard, Some(4_001)), Ok(360));
        assert_eq!(total(ServiceCode::Standard, 4_001), 576);
    }

    #[test]
    fn a_10000_sq_ft_home_is_priced_and_10001_is_estimate_only() {
        assert_eq!(total(ServiceCode::Standard, 10_000), 576);
        let err = quote(&request(ServiceCode::Standard, Some(10_001))).unwrap_err();
        assert_eq!(
            err,
            QuoteError::EstimateOnly {
                square_feet: 10_001
            }
        );
        assert!(err.to_string().contains("estimate"));
        assert_eq!(
            job_minutes(ServiceCode::Deep, Some(10_001)),
            Err(QuoteError::EstimateOnly {
                square_feet: 10_001
            })
        );
    }

    #[test]
    fn durations_scale_by_service() {
        assert_eq!(job_minutes(ServiceCode::Office, Some(2_000)), Ok(180));
        assert_eq!(job_minutes(ServiceCode::Deep, Some(2_000)), Ok(270));
        assert_eq!(job_minutes(ServiceCode::MoveInOut, Some(2_000)), Ok(360));
        assert_eq!(job_minutes(ServiceCode::Carpet, Some(2_000)), Ok(90));
        assert_eq!(job_minutes(ServiceCode::Windows, Some(5_000)), Ok(180));
        assert_eq!(job_minutes(ServiceCode::Estimate, Some(50_000)), Ok(45));
    }

    #[test]
    fn carpet_and_windows_last_at_least_one_hour() {
        assert_eq!(job_minutes(ServiceCode::Carpet, Some(400)), Ok(60));
        assert_eq!(job_minutes(ServiceCode::Windows, Some(1_000)), Ok(60));
        assert_eq!(total(ServiceCode::Carpet, 400), 85);
        assert_eq!(total(ServiceCode::Windows, 2_000), 117);
    }

    #[test]
    fn the_base_line_shows_its_arithmetic() {
        let q = quote(&request(ServiceCode::Deep, Some(2_000))).unwrap();
        assert_eq!(q.total, 432);
        assert_eq!(q.lines.len(), 1);
        assert_eq!(
            q.lines[0].label,
            "Deep cleaning: 4.5 h × $80/h × 1.2 size factor (1,001–2,500 sq ft)"
        );
        assert_eq!(q.lines[0].amount, Money(43_200));
        let q = quote(&request(ServiceCode::MoveInOut, Some(800))).unwrap();
        assert_eq!(
            q.lines[0].label,
            "Move-in / move-out cleaning: 4 h × $90/h × 1.0 size factor (up to 1,000 sq ft)"
        );
        assert_eq!(q.total, 360);
    }

    #[test]
    fn each_add_on_adds_its_flat_price_once() {
        let expected = [
            (AddOn::InsideFridge, 35),
            (AddOn::InsideOven, 35),
            (AddOn::InteriorWindows, 50),
            (AddOn::PetHair, 25),
            (AddOn::EcoProducts, 30),
            (AddOn::Laundry, 40),
        ];
        for (add_on, price) in expected {
            let mut req = request(ServiceCode::Standard, Some(1_000));
            req.add_ons = vec![add_on, add_on];
            let q = quote(&req).unwrap();
            assert_eq!(q.total, 120 + price, "{add_on}");
            assert_eq!(q.lines.len(), 2, "{add_on}");
            assert_eq!(q.lines[1].amount, Money(price * 100));
            assert_eq!(q.subtotal, Money((120 + price) * 100));
        }
        assert_eq!(AddOn::ALL.len(), expected.len());
    }

    #[test]
    fn each_urgency_adds_its_fee_outside_the_subtotal() {
        for (urgency, fee) in [
            (Urgency::Standard, 0),
            (Urgency::NextDay, 50),
            (Urgency::SameDay, 75),
        ] {
            let mut req = request(ServiceCode::Standard, Some(1_000));
            req.urgency = urgency;
            let q = quote(&req).unwrap();
            assert_eq!(q.total, 120 + fee);
            assert_eq!(q.urgency_fee, Money(fee * 100));
            assert_eq!(q.subtotal, Money(12_000));
            assert_eq!(q.lines.len(), if fee == 0 { 1 } else { 2 });
        }
    }

    #[test]
    fn urgency_follows_the_job_date() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        assert_eq!(Urgency::for_dates(today, today), Urgency::SameDay);
        assert_eq!(Urgency::for_dates(day(10), today), Urgency::NextDay);
        assert_eq!(Urgency::for_dates(day(11), today), Urgency::Standard);
    }

    #[test]
    fn a_recurring_plan_takes_ten_percent_off_base_and_add_ons_but_not_urgency() {
        let mut req = request(ServiceCode::Standard, Some(1_000));
        req.frequency = Frequency::Weekly;
        req.add_ons = vec![AddOn::PetHair];
        req.urgency = Urgency::SameDay;
        let q = quote(&req).unwrap();
        assert_eq!(q.subtotal, Money(14_500));
        assert_eq!(q.discount, Money(1_450));
        // 145 − 14.50 + 75 = 205.50, rounded half up.
        assert_eq!(q.total, 206);
        let last = q.lines.last().unwrap();
        assert_eq!(last.amount, Money(-1_450));
        assert_eq!(last.label, "Weekly plan discount (10 % of $145)");
        for frequency in [Frequency::Biweekly, Frequency::Monthly] {
            req.frequency = frequency;
            req.add_ons.clear();
            req.urgency = Urgency::Standard;
            assert_eq!(quote(&req).unwrap().total, 108);
        }
    }

    #[test]
    fn a_one_time_job_gets_no_discount() {
        let q = quote(&request(ServiceCode::Standard, Some(1_000))).unwrap();
        assert_eq!(q.discount, Money(0));
        assert!(!Frequency::OneTime.is_recurring());
        assert!(Frequency::Weekly.is_recurring());
        assert_eq!(Frequency::default(), Frequency::OneTime);
    }

    #[test]
    fn an_unknown_size_is_priced_for_1500_sq_ft_and_says_so() {
        let q = quote(&request(ServiceCode::Standard, None)).unwrap();
        assert_eq!(q.square_feet, 1_500);
        assert!(q.size_assumed);
        assert_eq!(q.total, 216);
        assert_eq!(
            q.notes,
            vec!["Size not given: priced for 1,500 sq ft".to_string()]
        );
        assert_eq!(job_minutes(ServiceCode::Deep, None), Ok(270));
    }

    #[test]
    fn an_estimate_is_free_at_any_size_without_extras() {
        let mut req = request(ServiceCode::Estimate, Some(25_000));
        req.add_ons = vec![AddOn::Laundry];
        req.urgency = Urgency::SameDay;
        let q = quote(&req).unwrap();
        assert_eq!(q.total, 0);
        assert_eq!(q.duration_minutes, 45);
        assert_eq!(q.lines.len(), 1);
        assert_eq!(q.lines[0].label, "Free on-site estimate: 0.75 h × $0/h");
        assert_eq!(q.urgency, Urgency::Standard);
        assert_eq!(q.notes.len(), 1);
    }

    #[test]
    fn a_fractional_total_rounds_half_up_to_whole_dollars() {
        let mut req = request(ServiceCode::Standard, Some(2_000));
        req.rate_cents = 6_125; // 61.25 × 3.6 = 220.50
        let q = quote(&req).unwrap();
        assert_eq!(q.subtotal, Money(22_050));
        assert_eq!(q.total, 221);
        assert!(q.lines[0].label.contains("$61.25/h"));
    }

    #[test]
    fn a_negative_rate_is_refused() {
        let mut req = request(ServiceCode::Standard, Some(2_000));
        req.rate_cents = -1;
        assert_eq!(
            quote(&req),
            Err(QuoteError::NegativeRate { rate_cents: -1 })
        );
    }

    #[test]
    fn a_quote_serializes_in_camel_case_with_an_integer_total() {
        let mut req = request(ServiceCode::Standard, Some(1_000));
        req.frequency = Frequency::Monthly;
        req.add_ons = vec![AddOn::PetHair];
        let json = serde_json::to_value(quote(&req).unwrap()).unwrap();
        assert_eq!(json["serviceType"], "standard");
        assert_eq!(json["squareFeet"], 1_000);
        assert_eq!(json["sizeAssumed"], false);
        assert_eq!(json["frequency"], "monthly");
        assert_eq!(json["durationMinutes"], 120);
        assert_eq!(json["subtotal"], 145);
        assert_eq!(json["discount"], 14.5);
        assert_eq!(json["urgencyFee"], 0);
        assert_eq!(json["total"], 131);
        assert!(json["total"].is_i64());
        assert_eq!(json["currency"], "USD");
        assert_eq!(json["lines"][1]["label"], "Add-on: Pet hair removal");
        assert_eq!(json["lines"][2]["amount"], -14.5);
    }

    #[test]
    fn codes_round_trip_through_strings_and_serde() {
        for code in ServiceCode::ALL {
            assert_eq!(code.as_str().parse::<ServiceCode>(), Ok(*code));
            assert_eq!(code.display_name(), code.label());
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
        assert_eq!(
            "Move-In-Out".parse::<ServiceCode>(),
            Ok(ServiceCode::MoveInOut)
        );
        assert_eq!(
            serde_json::from_str::<AddOn>("\"inside_oven\"").unwrap(),
            AddOn::InsideOven
        );
        assert_eq!(
            serde_json::from_str::<Urgency>("\"same_day\"").unwrap(),
            Urgency::SameDay
        );
        assert_eq!(
            serde_json::from_str::<Frequency>("\"one_time\"").unwrap(),
            Frequency::OneTime
        );
        let err = "spa".parse::<ServiceCode>().unwrap_err();
        assert!(err.to_string().contains("standard, deep, move_in_out"));
    }
}
