//! Every timestamp spelling of docs/reference/atelio-api.md §6 items 20 and 39, with the instant it must denote.
use chrono::{DateTime, NaiveDate, Utc};

use super::parse_timestamp;

/// The UTC instant `y-mo-d h:mi:s` plus `micros` microseconds.
fn utc(y: i32, mo: u32, d: u32, (h, mi, s): (u32, u32, u32), micros: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(y, mo, d)
        .and_then(|date| date.and_hms_micro_opt(h, mi, s, micros))
        .expect("valid test instant")
        .and_utc()
}

#[test]
fn a_hyphen_between_date_and_time_is_read_like_a_t() {
    let got = parse_timestamp("2021-02-02-00:50:58.484840+00:00");
    assert_eq!(got, Some(utc(2021, 2, 2, (0, 50, 58), 484_840)));
}

#[test]
fn rfc3339_with_microseconds_and_a_zero_offset_is_read() {
    let got = parse_timestamp("2021-10-17T11:25:37.369236+00:00");
    assert_eq!(got, Some(utc(2021, 10, 17, (11, 25, 37), 369_236)));
}

#[test]
fn a_timestamp_without_a_zone_is_taken_as_utc() {
    let got = parse_timestamp("2020-10-26T21:48:57.287919");
    assert_eq!(got, Some(utc(2020, 10, 26, (21, 48, 57), 287_919)));
}

#[test]
fn a_z_suffix_without_fraction_is_read() {
    let got = parse_timestamp("2019-08-24T14:15:22Z");
    assert_eq!(got, Some(utc(2019, 8, 24, (14, 15, 22), 0)));
}

#[test]
fn a_z_suffix_with_milliseconds_is_read() {
    let got = parse_timestamp("2019-08-24T14:15:22.000Z");
    assert_eq!(got, Some(utc(2019, 8, 24, (14, 15, 22), 0)));
}

#[test]
fn a_z_suffix_with_microseconds_is_read() {
    let got = parse_timestamp("2022-06-09T18:23:37.585421Z");
    assert_eq!(got, Some(utc(2022, 6, 9, (18, 23, 37), 585_421)));
}

#[test]
fn a_colon_offset_without_fraction_is_read() {
    let got = parse_timestamp("2022-07-15T18:57:28+00:00");
    assert_eq!(got, Some(utc(2022, 7, 15, (18, 57, 28), 0)));
}

#[test]
fn a_space_separator_and_an_hours_only_offset_are_read() {
    let got = parse_timestamp("2021-02-11 12:01:36.122456-08");
    assert_eq!(got, Some(utc(2021, 2, 11, (20, 1, 36), 122_456)));
}

#[test]
fn a_positive_offset_is_subtracted_to_reach_utc() {
    let got = parse_timestamp("2022-07-15T18:57:28+05:30");
    assert_eq!(got, Some(utc(2022, 7, 15, (13, 27, 28), 0)));
}

#[test]
fn an_offset_without_a_colon_is_read() {
    let got = parse_timestamp("2022-07-15T18:57:28-0800");
    assert_eq!(got, Some(utc(2022, 7, 16, (2, 57, 28), 0)));
}

#[test]
fn a_bare_date_is_midnight_utc() {
    assert_eq!(
        parse_timestamp("2020-01-01"),
        Some(utc(2020, 1, 1, (0, 0, 0), 0))
    );
}

#[test]
fn a_date_established_sent_as_a_timestamp_is_midnight_utc() {
    let got = parse_timestamp("2020-01-01T00:00:00.000Z");
    assert_eq!(got, Some(utc(2020, 1, 1, (0, 0, 0), 0)));
}

#[test]
fn ten_digits_are_unix_seconds() {
    let got = parse_timestamp("1598980451");
    assert_eq!(got, Some(utc(2020, 9, 1, (17, 14, 11), 0)));
}

#[test]
fn surrounding_whitespace_is_ignored() {
    let got = parse_timestamp(" 2019-08-24T14:15:22Z\n");
    assert_eq!(got, Some(utc(2019, 8, 24, (14, 15, 22), 0)));
}

#[test]
fn the_malformed_date_deleted_is_rejected() {
    assert_eq!(parse_timestamp("2019-08-19:22:22Z"), None);
}

#[test]
fn a_year_and_month_alone_is_rejected() {
    assert_eq!(parse_timestamp("2024-12"), None);
}

#[test]
fn garbage_is_rejected() {
    for raw in [
        "",
        "timestamp",
        "null",
        "2021-13-01",
        "2021-02-30",
        "2021-02-02T25:00:00Z",
        "2021-02-02T10:00Z",
        "2021-02-02T10:00:00.Z",
        "2021-02-02T10:00:00+5",
        "2021-02-02T10:00:00+24:00",
        "2021-02-02T10:00:00 UTC",
        "2021-02-02X10:00:00Z",
        "159898045",
        "15989804510",
        "２０２１-02-02",
    ] {
        assert_eq!(parse_timestamp(raw), None, "{raw:?} must be rejected");
    }
}

#[test]
fn an_offset_with_non_ascii_characters_is_rejected_without_panicking() {
    for raw in [
        "2024-01-01T00:00:00+0é1",
        "2024-01-01T00:00:00-é1",
        "2024-01-01T00:00:00+0१:00",
        "2024-01-01 00:00:00+ü",
    ] {
        assert_eq!(parse_timestamp(raw), None, "{raw:?} must be rejected");
    }
}
