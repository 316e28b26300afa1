//! The reclamation report: how much memory each map keeps after the
//! scenarios that define "reclaims".

use map_conformance::scenarios::{churn, delete_all, spike};
use map_conformance::Sizes;
use map_core::HashMap;

map_conformance::install_counting_allocator!();

fn main() {
    let sizes = Sizes::FULL;
    let d = delete_all(HashMap::new, sizes.delete_all);
    println!(
        "map-core delete-all {}: filled {} B, {:.3}% held after remove, refill {:.3}x",
        d.entries,
        d.filled.counted,
        d.held_after_remove() * 100.0,
        d.refill_ratio()
    );
    let s = spike(HashMap::new, sizes.spike_peak, sizes.spike_keep);
    println!(
        "map-core spike {}->{}: {:.2}x fresh after operating",
        s.peak,
        s.keep,
        s.held_vs_fresh()
    );
    let c = churn(HashMap::new, sizes.churn_live, sizes.churn_ops);
    println!(
        "map-core churn {} x {}: peak {:.2}x fresh",
        c.live,
        c.ops,
        c.peak_vs_fresh()
    );
}
