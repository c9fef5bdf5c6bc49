//! The arithmetic meshc owns, as pure functions over the model (each with its cases in
//! tests/cases/build): proxy sizing, the HPA target, the shutdown sequence and the grace period.

use crate::model::{Mesh, Service};
use meshc_syntax::lit::{Duration, Quantity};
use std::collections::BTreeMap;

const NANO: i128 = 1_000_000_000;
const MILLI: i128 = 1_000_000; // nanos in a milli-unit

/// The sidecar proxy's resources and Envoy's worker count.
#[derive(Clone, Debug)]
pub struct Proxy {
    pub cpu: Quantity,
    pub memory: Quantity,
    pub cpu_limit: Quantity,
    pub memory_limit: Quantity,
    pub concurrency: i64,
    /// Requests per second through one proxy at peak, when `load` is given.
    pub rps: Option<f64>,
    /// What `load` asks for, before explicit overrides.
    pub computed_cpu: Option<Quantity>,
    pub computed_memory: Option<Quantity>,
}

/// (CPU, memory) per 1000 requests per second through a proxy, from Istio's published
/// performance figures for the target release, unless the mesh overrides them.
pub fn proxy_cost(mesh: &Mesh) -> (Quantity, Quantity) {
    if let Some(c) = mesh.proxy_cost {
        return c;
    }
    let dec = |nanos: i128| Quantity {
        nanos,
        binary: false,
        minutes: false,
    };
    let (cpu_m, mem_mb) = if mesh.istio <= (1, 16) {
        (350, 40) // Istio 1.9–1.16: 0.35 vCPU, 40 MB per 1000 rps
    } else if mesh.istio <= (1, 22) {
        (500, 50) // 1.19–1.22: about 0.5 vCPU, 50 MB
    } else {
        (200, 60) // 1.24: about 0.20 vCPU, 60 MB (2 workers)
    };
    (dec(cpu_m * MILLI), dec(mem_mb * 1_000_000 * NANO))
}

fn round_up(nanos: i128, unit: i128) -> i128 {
    (nanos + unit - 1).div_euclid(unit) * unit
}

/// Whole cores, rounded up, at least one.
pub fn ceil_cores(q: Quantity) -> i64 {
    (round_up(q.nanos, NANO) / NANO).max(1) as i64
}

pub fn size_proxy(s: &Service, mesh: &Mesh) -> Proxy {
    let dec = |nanos: i128| Quantity {
        nanos,
        binary: false,
        minutes: false,
    };
    let floor_cpu = dec(100 * MILLI);
    let floor_mem = Quantity {
        nanos: 128 * (1 << 20) * NANO,
        binary: true,
        minutes: false,
    };
    let (mut rps, mut computed_cpu, mut computed_memory) = (None, None, None);
    if let Some(load) = &s.load {
        let pods = load.pods.unwrap_or(s.max).max(1) as f64;
        let r = load.peak_rps * load.requests_per_call / pods;
        let (cpu_per, mem_per) = proxy_cost(mesh);
        let cpu = round_up((cpu_per.nanos as f64 * r / 1000.0).ceil() as i128, MILLI);
        let mem = round_up(
            (mem_per.nanos as f64 * r / 1000.0).ceil() as i128,
            1_000_000 * NANO,
        );
        rps = Some(r);
        computed_cpu = Some(if cpu > floor_cpu.nanos {
            dec(cpu)
        } else {
            floor_cpu
        });
        computed_memory = Some(if mem > floor_mem.nanos {
            dec(mem)
        } else {
            floor_mem
        });
    }
    let cpu = s
        .sidecar
        .cpu
        .map(|c| c.0)
        .or(computed_cpu)
        .unwrap_or(floor_cpu);
    let memory = s
        .sidecar
        .memory
        .map(|c| c.0)
        .or(computed_memory)
        .unwrap_or(floor_mem);
    let cpu_limit = s
        .sidecar
        .cpu_limit
        .unwrap_or_else(|| dec(ceil_cores(cpu) as i128 * NANO));
    let gib = Quantity {
        nanos: (1 << 30) * NANO,
        binary: true,
        minutes: false,
    };
    let memory_limit = s
        .sidecar
        .memory_limit
        .unwrap_or(if memory.nanos * 2 > gib.nanos {
            Quantity {
                nanos: memory.nanos * 2,
                ..memory
            }
        } else {
            gib
        });
    let concurrency = s
        .sidecar
        .concurrency
        .map(|c| c.0)
        .unwrap_or_else(|| ceil_cores(cpu));
    Proxy {
        cpu,
        memory,
        cpu_limit,
        memory_limit,
        concurrency,
        rps,
        computed_cpu,
        computed_memory,
    }
}

impl Proxy {
    /// All four resource annotations, always: setting one makes Istio drop the defaults of the
    /// other three.
    pub fn annotations(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (
                "sidecar.istio.io/proxyCPU".to_string(),
                self.cpu.canonical(),
            ),
            (
                "sidecar.istio.io/proxyCPULimit".to_string(),
                self.cpu_limit.canonical(),
            ),
            (
                "sidecar.istio.io/proxyMemory".to_string(),
                self.memory.canonical(),
            ),
            (
                "sidecar.istio.io/proxyMemoryLimit".to_string(),
                self.memory_limit.canonical(),
            ),
        ])
    }
}

/// How the pod starts and stops.
#[derive(Clone, Debug)]
pub struct Lifecycle {
    /// The proxy runs as a native sidecar (an init container with restartPolicy Always).
    pub native: bool,
    pub pre_stop: Option<PreStop>,
    pub grace_seconds: i64,
    /// The proxy's terminationDrainDuration.
    pub proxy_drain: Duration,
    /// The sleeps of the preStop hook (and the proxy drain in native mode), which the grace
    /// period must cover.
    pub sleeps: Duration,
}

#[derive(Clone, Debug)]
pub enum PreStop {
    Exec(Vec<String>),
    Sleep(i64),
}

fn secs(d: Duration) -> i64 {
    (round_up(d.0, NANO) / NANO) as i64
}

/// Native sidecars when Istio turns them on by itself: its automatic mode, the default from
/// Istio 1.27 (istio/istio#56428), enables them on kubelets 1.33 or later.
pub fn native_sidecars(mesh: &Mesh) -> bool {
    mesh.istio >= (1, 27) && mesh.kubernetes >= (1, 33)
}

pub fn lifecycle(s: &Service, mesh: &Mesh) -> Lifecycle {
    let native = native_sidecars(mesh);
    let (a, b) = (secs(s.drain_delay), secs(s.drain_time));
    let sleep_action = mesh.kubernetes >= (1, 30);
    let pre_stop = if native || s.hook == "none" {
        // Only the sleep that rides out endpoint removal; no shell needed where Kubernetes has
        // the sleep action.
        if sleep_action {
            Some(PreStop::Sleep(a))
        } else if s.hook == "none" {
            None
        } else {
            Some(PreStop::Exec(vec![
                "sh".into(),
                "-c".into(),
                format!("sleep {a}"),
            ]))
        }
    } else {
        let (fail, ok) = match s.hook.as_str() {
            "curl" => (
                "curl -s -X POST localhost:15000/healthcheck/fail".to_string(),
                "curl -s -X POST localhost:15000/healthcheck/ok".to_string(),
            ),
            _ => (
                "wget -qO- --post-data '' localhost:15000/healthcheck/fail".to_string(),
                "wget -qO- --post-data '' localhost:15000/healthcheck/ok".to_string(),
            ),
        };
        Some(PreStop::Exec(vec![
            "sh".into(),
            "-c".into(),
            format!("sleep {a}; {fail}; sleep {b}; {ok}"),
        ]))
    };
    // Classic sidecars get SIGTERM with the application: the proxy must outlive both sleeps.
    // Native sidecars stop after the application: the proxy drains for drainTime.
    let proxy_drain = if native {
        s.drain_time
    } else {
        Duration(s.drain_delay.0 + s.drain_time.0)
    };
    Lifecycle {
        native,
        pre_stop,
        grace_seconds: secs(s.grace),
        proxy_drain,
        sleeps: Duration(s.drain_delay.0 + s.drain_time.0),
    }
}

/// The pod's `proxy.istio.io/config`: always an explicit concurrency (without it Envoy runs a
/// worker per node core), the start order in classic mode, and the drain duration.
pub fn proxy_config(p: &Proxy, l: &Lifecycle) -> String {
    let mut parts = vec![format!("\"concurrency\":{}", p.concurrency)];
    if !l.native {
        parts.push("\"holdApplicationUntilProxyStarts\":true".into());
    }
    parts.push(format!(
        "\"terminationDrainDuration\":\"{}\"",
        l.proxy_drain.seconds_text()
    ));
    format!("{{{}}}", parts.join(","))
}

/// Replicas of one version: the service's autoscale bounds scaled by the version's weight
/// (at least one pod).
pub fn replicas(s: &Service, weight: i64, total: i64) -> (i64, i64) {
    if s.versions.len() == 1 || total <= 0 {
        return (s.min, s.max.max(s.min));
    }
    let scale = |n: i64| ((n * weight + total - 1) / total).max(1);
    let min = scale(s.min);
    (min, scale(s.max).max(min))
}

pub enum HpaTarget {
    /// `ContainerResource` on the application container.
    Container(i32),
    /// `Resource` on the pod, adjusted for the proxy's request: `target` rounded down from
    /// `exact`.
    Pod { target: i32, exact: f64 },
}

/// Container metrics are on by default from Kubernetes 1.27 (beta; GA in 1.30). Before that,
/// the pod target is `app × target / (app + proxy)`: 1 CPU + 100m at 70% → 63.6%.
pub fn hpa_target(s: &Service, p: &Proxy, mesh: &Mesh) -> HpaTarget {
    if mesh.kubernetes >= (1, 27) {
        return HpaTarget::Container(s.cpu_target.round() as i32);
    }
    let app = s.cpu.nanos as f64;
    let exact = app * s.cpu_target / (app + p.cpu.nanos as f64);
    HpaTarget::Pod {
        target: (exact.floor() as i32).max(1),
        exact,
    }
}
