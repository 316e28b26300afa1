//! `serde` for `ReclaimPolicy` and `MemoryStats`: round trips, and a policy
//! the builder would refuse is refused when read from JSON too.

use map_core::{HashMap, MemoryStats, ReclaimPolicy};

#[test]
fn policy_round_trip() {
    let tight = ReclaimPolicy::builder()
        .shrink_ratio(4.0)
        .headroom(1.5)
        .drain_ratio(64.0)
        .garbage_ratio(2.0)
        .min_capacity(32)
        .clear_keep_bytes(0)
        .build()
        .unwrap();
    for policy in [ReclaimPolicy::default(), ReclaimPolicy::manual(), tight] {
        let json = serde_json::to_string(&policy).unwrap();
        let back: ReclaimPolicy = serde_json::from_str(&json).unwrap();
        assert_eq!(back, policy, "{json}");
    }
    let json = serde_json::to_value(tight).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "automatic": true,
            "shrink_ratio": 4.0,
            "headroom": 1.5,
            "drain_ratio": 64.0,
            "garbage_ratio": 2.0,
            "min_capacity": 32,
            "clear_keep_bytes": 0,
        })
    );
}

#[test]
fn policy_missing_settings_take_their_defaults() {
    let policy: ReclaimPolicy = serde_json::from_str(r#"{"shrink_ratio": 16}"#).unwrap();
    let expected = ReclaimPolicy::builder().shrink_ratio(16.0).build().unwrap();
    assert_eq!(policy, expected);
    let policy: ReclaimPolicy = serde_json::from_str("{}").unwrap();
    assert_eq!(policy, ReclaimPolicy::default());
}

#[test]
fn invalid_policy_in_json_is_refused_naming_the_setting() {
    for (json, field) in [
        // Below 2.5 x headroom: could shrink and grow back in a loop.
        (r#"{"shrink_ratio": 4.0, "headroom": 2.0}"#, "shrink_ratio"),
        (r#"{"headroom": 1.0}"#, "headroom"),
        (r#"{"drain_ratio": 2.0}"#, "drain_ratio"),
        (r#"{"garbage_ratio": 100.0}"#, "garbage_ratio"),
        (r#"{"min_capacity": 0}"#, "min_capacity"),
    ] {
        let err = serde_json::from_str::<ReclaimPolicy>(json).unwrap_err();
        assert!(err.to_string().contains(field), "{json}: {err}");
    }
    // JSON has no NaN; `null` where a number belongs is refused as well.
    let err = serde_json::from_str::<ReclaimPolicy>(r#"{"headroom": null}"#).unwrap_err();
    assert!(err.to_string().contains("f64"), "{err}");
    let err = serde_json::from_str::<ReclaimPolicy>(r#"{"shrink_raito": 16}"#).unwrap_err();
    assert!(err.to_string().contains("shrink_raito"), "{err}");
    let err = serde_json::from_str::<ReclaimPolicy>("[1, 2]").unwrap_err();
    assert!(err.is_data(), "{err}");
}

#[test]
fn policy_refused_through_any_deserializer() {
    use serde::de::value::{Error, MapDeserializer};
    use serde::Deserialize;

    // A format that can carry a NaN gets the builder's refusal too.
    let entries = [("headroom", f64::NAN)];
    let de = MapDeserializer::<_, Error>::new(entries.into_iter());
    let err = ReclaimPolicy::deserialize(de).unwrap_err();
    assert!(
        err.to_string()
            .contains("`headroom` must be a finite number"),
        "{err}"
    );
}

#[test]
fn memory_stats_round_trip() {
    let mut map: HashMap<u64, u64> = (0..1000).map(|i| (i, i)).collect();
    map.retain(|k, _| *k < 10);
    let stats = map.memory();
    assert!(stats.reclaims > 0);
    let json = serde_json::to_string(&stats).unwrap();
    let back: MemoryStats = serde_json::from_str(&json).unwrap();
    assert_eq!(back, stats);
    let err = serde_json::from_str::<MemoryStats>(r#"{"allocated_bytes": 1}"#).unwrap_err();
    assert!(err.to_string().contains("peak_bytes"), "{err}");
    let err = serde_json::from_str::<MemoryStats>(r#"{"allocated_bytes": -1}"#).unwrap_err();
    assert!(err.is_data(), "{err}");
}
