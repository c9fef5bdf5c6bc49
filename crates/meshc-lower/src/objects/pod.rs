//! The pod template's parts: the application container (image, command, env, resources,
//! probes, mounts, the preStop hook), the security contexts and the volumes.
//!
//! Secure by default (each relaxation is W0322): the pod runs as UID/GID 10001 with
//! `runAsNonRoot`, the runtime's seccomp profile, no service account token; the container
//! drops every capability, cannot escalate privileges and has a read-only root file system,
//! with a writable `emptyDir` at `/tmp` unless a volume is mounted there.
//!
//! Probes by default, when a service writes none: gRPC health checking for grpc (from Istio
//! 1.13, which rewrites gRPC probes; a TCP probe before), a TCP connection for tcp, and a TCP
//! connection for http and http2 with W0317. Istio rewrites HTTP, TCP and gRPC probes to its
//! agent (port 15020) by default, which is what makes them work under STRICT mTLS; meshc
//! leaves `sidecar.istio.io/rewriteAppHTTPProbers` at that default.

use crate::compute::{self, Lifecycle, Proxy};
use crate::guardrails::{e0316_probe, w0317_default_probe};
use crate::model::{EnvValue, Handler, Probe, Service, VolumeSource};
use crate::{q, Ctx};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapKeySelector, ConfigMapVolumeSource, Container, ContainerPort,
    EmptyDirVolumeSource, EnvVar, EnvVarSource, ExecAction, GRPCAction, HTTPGetAction, HTTPHeader,
    Lifecycle as K8sLifecycle, LifecycleHandler, ObjectFieldSelector,
    PersistentVolumeClaimVolumeSource, PodSecurityContext, Probe as K8sProbe, ResourceRequirements,
    SeccompProfile, SecretKeySelector, SecretVolumeSource, SecurityContext, SleepAction,
    TCPSocketAction, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

/// What the Deployment builder needs beyond the workload.
pub(crate) struct Pod<'a> {
    pub proxy: &'a Proxy,
    pub life: &'a Lifecycle,
    pub probes: &'a Probes,
}

#[derive(Default)]
pub(crate) struct Probes {
    pub readiness: Option<K8sProbe>,
    pub liveness: Option<K8sProbe>,
    pub startup: Option<K8sProbe>,
}

/// The probes of a workload: as written, or the protocol's defaults. `None` after an error.
pub(crate) fn probes(cx: &mut Ctx<'_>, s: &Service) -> Option<Probes> {
    let p = &s.probes;
    if p.readiness.is_none() && p.liveness.is_none() && p.startup.is_none() {
        if s.worker {
            return Some(Probes::default());
        }
        let grpc_rewritten = cx.mesh.istio >= (1, 13);
        let handler = |port: i32| -> K8sProbe {
            match s.protocol.as_str() {
                "grpc" if grpc_rewritten => K8sProbe {
                    grpc: Some(GRPCAction {
                        port,
                        service: None,
                    }),
                    ..Default::default()
                },
                _ => K8sProbe {
                    tcp_socket: Some(TCPSocketAction {
                        port: IntOrString::Int(port),
                        host: None,
                    }),
                    ..Default::default()
                },
            }
        };
        if matches!(s.protocol.as_str(), "http" | "http2") {
            w0317_default_probe::check(cx, s);
        }
        let port = s.target_port as i32;
        return Some(Probes {
            readiness: Some(handler(port)),
            liveness: Some(handler(port)),
            startup: None,
        });
    }
    let mut ok = true;
    let mut one = |cx: &mut Ctx<'_>, kind: &str, p: &Option<Probe>| -> Option<K8sProbe> {
        let p = p.as_ref()?;
        if !e0316_probe::check(cx, s, kind, p) {
            ok = false;
            return None;
        }
        Some(probe(s, p))
    };
    let out = Probes {
        readiness: one(cx, "readiness", &p.readiness),
        liveness: one(cx, "liveness", &p.liveness),
        startup: one(cx, "startup", &p.startup),
    };
    ok.then_some(out)
}

fn probe(s: &Service, p: &Probe) -> K8sProbe {
    let port = |x: &Option<(i64, _)>| x.map(|(n, _)| n).unwrap_or(s.target_port) as i32;
    // Checked by E0316: whole seconds that fit the field.
    let secs = |d: &Option<(meshc_syntax::lit::Duration, meshc_syntax::Span)>| {
        d.and_then(|(d, span)| e0316_probe::seconds(d, "", span).ok())
    };
    let mut k = K8sProbe {
        initial_delay_seconds: secs(&p.initial_delay),
        period_seconds: secs(&p.period),
        timeout_seconds: secs(&p.timeout),
        success_threshold: p.success_threshold.map(|x| x.min(i32::MAX as i64) as i32),
        failure_threshold: p.failure_threshold.map(|x| x.min(i32::MAX as i64) as i32),
        ..Default::default()
    };
    match &p.handlers[0].0 {
        Handler::Http {
            path,
            port: pt,
            scheme,
            headers,
        } => {
            k.http_get = Some(HTTPGetAction {
                path: Some(path.clone()),
                port: IntOrString::Int(port(pt)),
                scheme: Some(scheme.clone()),
                http_headers: (!headers.is_empty()).then(|| {
                    headers
                        .iter()
                        .map(|(n, v)| HTTPHeader {
                            name: n.clone(),
                            value: v.clone(),
                        })
                        .collect()
                }),
                host: None,
            })
        }
        Handler::Grpc { port: pt, service } => {
            k.grpc = Some(GRPCAction {
                port: port(pt),
                service: service.clone(),
            })
        }
        Handler::Tcp { port: pt } => {
            k.tcp_socket = Some(TCPSocketAction {
                port: IntOrString::Int(port(pt)),
                host: None,
            })
        }
        Handler::Exec { command } => {
            k.exec = Some(ExecAction {
                command: Some(command.clone()),
            })
        }
    }
    k
}

/// The pod's security context.
pub(crate) fn pod_security(s: &Service) -> PodSecurityContext {
    let sec = &s.security;
    PodSecurityContext {
        run_as_non_root: Some(sec.run_as_non_root.0),
        run_as_user: Some(sec.run_as_user.0),
        run_as_group: Some(sec.run_as_group.0),
        fs_group: Some(sec.fs_group),
        seccomp_profile: Some(SeccompProfile {
            type_: sec.seccomp.0.clone(),
            localhost_profile: None,
        }),
        ..Default::default()
    }
}

fn container_security(s: &Service) -> SecurityContext {
    let sec = &s.security;
    let add: Vec<String> = sec.capabilities.iter().map(|c| c.0.clone()).collect();
    SecurityContext {
        allow_privilege_escalation: Some(sec.allow_privilege_escalation.0),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            add: (!add.is_empty()).then_some(add),
        }),
        privileged: Some(false),
        read_only_root_filesystem: Some(sec.read_only_root.0),
        run_as_non_root: Some(sec.run_as_non_root.0),
        run_as_user: Some(sec.run_as_user.0),
        run_as_group: Some(sec.run_as_group.0),
        seccomp_profile: Some(SeccompProfile {
            type_: sec.seccomp.0.clone(),
            localhost_profile: None,
        }),
        ..Default::default()
    }
}

/// The pod's volumes and the container's mounts, `/tmp` included where needed.
pub(crate) fn volumes(s: &Service) -> (Vec<Volume>, Vec<VolumeMount>) {
    let mut vols = Vec::new();
    let mut mounts = Vec::new();
    for v in &s.volumes {
        let mut vol = Volume {
            name: v.name.clone(),
            ..Default::default()
        };
        let mut read_only = v.read_only;
        match &v.sources[0] {
            VolumeSource::EmptyDir { size_limit, memory } => {
                vol.empty_dir = Some(EmptyDirVolumeSource {
                    medium: memory.then(|| "Memory".to_string()),
                    size_limit: size_limit.map(q),
                })
            }
            VolumeSource::ConfigMap(n) => {
                read_only = read_only.or(Some(true));
                vol.config_map = Some(ConfigMapVolumeSource {
                    name: n.clone(),
                    ..Default::default()
                })
            }
            VolumeSource::Secret(n) => {
                read_only = read_only.or(Some(true));
                vol.secret = Some(SecretVolumeSource {
                    secret_name: Some(n.clone()),
                    ..Default::default()
                })
            }
            VolumeSource::Claim(n) => {
                vol.persistent_volume_claim = Some(PersistentVolumeClaimVolumeSource {
                    claim_name: n.clone(),
                    read_only: None,
                })
            }
        }
        vols.push(vol);
        mounts.push(VolumeMount {
            name: v.name.clone(),
            mount_path: v.mount.clone(),
            read_only,
            sub_path: v.sub_path.clone(),
            ..Default::default()
        });
    }
    let tmp_mounted = s
        .volumes
        .iter()
        .any(|v| v.mount.trim_end_matches('/') == "/tmp");
    if s.security.read_only_root.0 && !tmp_mounted {
        let name = if s.volumes.iter().any(|v| v.name == "tmp") {
            "meshc-tmp"
        } else {
            "tmp"
        };
        vols.push(Volume {
            name: name.into(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Default::default()
        });
        mounts.push(VolumeMount {
            name: name.into(),
            mount_path: "/tmp".into(),
            ..Default::default()
        });
    }
    (vols, mounts)
}

fn env(s: &Service) -> Option<Vec<EnvVar>> {
    if s.env.is_empty() {
        return None;
    }
    Some(
        s.env
            .iter()
            .map(|e| {
                let mut v = EnvVar {
                    name: e.name.clone(),
                    ..Default::default()
                };
                match e.value.as_ref().expect("checked by E0321") {
                    EnvValue::Text(t) => v.value = Some(t.clone()),
                    EnvValue::Secret {
                        name,
                        key,
                        optional,
                    } => {
                        v.value_from = Some(EnvVarSource {
                            secret_key_ref: Some(SecretKeySelector {
                                name: name.clone(),
                                key: key.clone(),
                                optional: *optional,
                            }),
                            ..Default::default()
                        })
                    }
                    EnvValue::ConfigMap {
                        name,
                        key,
                        optional,
                    } => {
                        v.value_from = Some(EnvVarSource {
                            config_map_key_ref: Some(ConfigMapKeySelector {
                                name: name.clone(),
                                key: key.clone(),
                                optional: *optional,
                            }),
                            ..Default::default()
                        })
                    }
                    EnvValue::Field(path) => {
                        v.value_from = Some(EnvVarSource {
                            field_ref: Some(ObjectFieldSelector {
                                field_path: path.clone(),
                                api_version: None,
                            }),
                            ..Default::default()
                        })
                    }
                }
                v
            })
            .collect(),
    )
}

/// The application container of one version.
pub(crate) fn container(
    s: &Service,
    image: &str,
    pod: &Pod<'_>,
    mounts: Vec<VolumeMount>,
) -> Container {
    let mut limits = BTreeMap::new();
    if let Some(c) = s.cpu_limit {
        limits.insert("cpu".to_string(), q(c));
    }
    if let Some(m) = s.memory_limit {
        limits.insert("memory".to_string(), q(m));
    }
    Container {
        name: "app".into(),
        image: Some(image.into()),
        command: s.command.clone(),
        args: s.args.clone(),
        ports: (!s.worker).then(|| {
            vec![ContainerPort {
                name: Some(crate::with_number(&s.protocol, "-", s.target_port)),
                container_port: s.target_port as i32,
                protocol: Some("TCP".into()),
                ..Default::default()
            }]
        }),
        env: env(s),
        resources: Some(ResourceRequirements {
            requests: Some(BTreeMap::from([
                ("cpu".to_string(), q(s.cpu)),
                ("memory".to_string(), q(s.memory)),
            ])),
            limits: (!limits.is_empty()).then_some(limits),
            ..Default::default()
        }),
        readiness_probe: pod.probes.readiness.clone(),
        liveness_probe: pod.probes.liveness.clone(),
        startup_probe: pod.probes.startup.clone(),
        volume_mounts: (!mounts.is_empty()).then_some(mounts),
        security_context: Some(container_security(s)),
        lifecycle: pod.life.pre_stop.as_ref().map(|p| K8sLifecycle {
            pre_stop: Some(match p {
                compute::PreStop::Exec(cmd) => LifecycleHandler {
                    exec: Some(ExecAction {
                        command: Some(cmd.clone()),
                    }),
                    ..Default::default()
                },
                compute::PreStop::Sleep(secs) => LifecycleHandler {
                    sleep: Some(SleepAction { seconds: *secs }),
                    ..Default::default()
                },
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}
