//! Calendar dates from Unix time (pure). Bramble has no time zones: every time is UTC, as
//! GNU's tools print it with `TZ=UTC`.

/// A moment broken into its calendar parts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DateTime {
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0 is Sunday.
    pub weekday: u32,
}

pub const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
pub const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

impl DateTime {
    /// The date and time `seconds` after 1970-01-01 00:00:00 UTC (negative: before).
    pub fn from_unix(seconds: i64) -> DateTime {
        let days = seconds.div_euclid(86_400);
        let of_day = seconds.rem_euclid(86_400) as u32;
        // Count from 0000-03-01, so that the leap day is the last day of a year: then a
        // 400-year era has a fixed length and months from March on have a fixed pattern.
        let from_march = days + 719_468;
        let era = from_march.div_euclid(146_097);
        let day_of_era = from_march.rem_euclid(146_097);
        let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        // Months from March: 153 days per five months (31, 30, 31, 30, 31).
        let month_from_march = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
        let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 } as u32;
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        DateTime {
            year,
            month,
            day,
            hour: of_day / 3600,
            minute: of_day / 60 % 60,
            second: of_day % 60,
            // 1970-01-01 was a Thursday.
            weekday: (days + 4).rem_euclid(7) as u32,
        }
    }

    pub fn month_name(&self) -> &'static str {
        MONTHS[self.month as usize - 1]
    }

    pub fn weekday_name(&self) -> &'static str {
        WEEKDAYS[self.weekday as usize]
    }
}

/// About six months, the age at which `ls -l` shows a file's year instead of its time.
pub const HALF_YEAR: i64 = 31_556_952 / 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_match_the_calendar() {
        let epoch = DateTime::from_unix(0);
        assert_eq!(epoch, DateTime { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, weekday: 4 });
        // 2000-02-29 12:34:56 UTC, a Tuesday in a leap year of a century divisible by 400.
        let leap = DateTime::from_unix(951_827_696);
        assert_eq!((leap.year, leap.month, leap.day, leap.hour, leap.minute, leap.second), (2000, 2, 29, 12, 34, 56));
        assert_eq!(leap.weekday_name(), "Tue");
        let before = DateTime::from_unix(-1);
        assert_eq!((before.year, before.month, before.day, before.hour, before.weekday_name()), (1969, 12, 31, 23, "Wed"));
        assert_eq!(DateTime::from_unix(1_795_000_000).month_name(), "Nov");
    }
}
