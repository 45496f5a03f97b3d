//! The appointment status machine of SPEC §1: `scheduled → confirmed → completed`;
//! `scheduled|confirmed → cancelled | no_show`. Nothing else.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where an appointment is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Scheduled,
    Confirmed,
    Completed,
    Cancelled,
    NoShow,
}

impl AppointmentStatus {
    /// Every status.
    pub const ALL: [AppointmentStatus; 5] = [
        AppointmentStatus::Scheduled,
        AppointmentStatus::Confirmed,
        AppointmentStatus::Completed,
        AppointmentStatus::Cancelled,
        AppointmentStatus::NoShow,
    ];

    /// The code stored in the database and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Scheduled => "scheduled",
            AppointmentStatus::Confirmed => "confirmed",
            AppointmentStatus::Completed => "completed",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::NoShow => "no_show",
        }
    }

    /// True while the job holds a crew's time.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            AppointmentStatus::Scheduled | AppointmentStatus::Confirmed
        )
    }

    /// Whether `self → next` is allowed.
    pub fn can_become(self, next: AppointmentStatus) -> bool {
        use AppointmentStatus::*;
        matches!(
            (self, next),
            (Scheduled, Confirmed)
                | (Confirmed, Completed)
                | (Scheduled | Confirmed, Cancelled)
                | (Scheduled | Confirmed, NoShow)
        )
    }
}

impl FromStr for AppointmentStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AppointmentStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s.trim())
            .ok_or_else(|| {
                format!("unknown status `{s}`; expected scheduled, confirmed, completed, cancelled or no_show")
            })
    }
}

impl fmt::Display for AppointmentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::AppointmentStatus::*;
    use super::*;

    #[test]
    fn only_the_documented_transitions_are_allowed() {
        let allowed = [
            (Scheduled, Confirmed),
            (Confirmed, Completed),
            (Scheduled, Cancelled),
            (Confirmed, Cancelled),
            (Scheduled, NoShow),
            (Confirmed, NoShow),
        ];
        for from in AppointmentStatus::ALL {
            for to in AppointmentStatus::ALL {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn statuses_round_trip_through_their_codes() {
        for status in AppointmentStatus::ALL {
            assert_eq!(
                status.as_str().parse::<AppointmentStatus>().unwrap(),
                status
            );
        }
        assert!("done".parse::<AppointmentStatus>().is_err());
    }
}
