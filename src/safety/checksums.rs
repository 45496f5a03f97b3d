//! Checksums and number ranges that tell real identifiers from look-alikes: Luhn for
//! payment cards, the SSA ranges for US social security numbers, ISO 13616 mod-97 for IBANs.

/// The Luhn checksum used by payment cards.
pub(crate) fn luhn_valid(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// US SSN ranges: area not 000, 666 or 9xx; group not 00; serial not 0000.
pub(crate) fn ssn_valid(digits: &str) -> bool {
    if digits.len() != 9 {
        return false;
    }
    let (area, rest) = digits.split_at(3);
    let (group, serial) = rest.split_at(2);
    area != "000" && area != "666" && !area.starts_with('9') && group != "00" && serial != "0000"
}

/// The ISO 13616 mod-97 check on an IBAN without spaces.
pub(crate) fn iban_valid(iban: &str) -> bool {
    let iban = iban.to_ascii_uppercase();
    if !(15..=34).contains(&iban.len()) || !iban.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let (head, tail) = iban.split_at(4);
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let value = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}
