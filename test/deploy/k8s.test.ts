import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '@drawbridge/config';
import { parseAllDocuments } from 'yaml';
import { tempDir } from '../kit/index.js';

// biome-ignore lint/suspicious/noExplicitAny: rendered Kubernetes objects are checked field by field
type K8sObject = any;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const hasKubectl = spawnSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' }).status === 0;
const skip = hasKubectl
  ? false
  : `${KUBECTL} is not installed (apt-get install kubectl), so kustomize cannot render`;
const SECRET_KEYS = /\b(shared_secret|cookie_secret|idp_client_secret)\s*:|PRIVATE KEY-----/;

function render(dir: string): K8sObject[] {
  const out = execFileSync(KUBECTL, ['kustomize', join(ROOT, dir)], { encoding: 'utf8' });
  return parseAllDocuments(out)
    .map((d) => d.toJS())
    .filter(Boolean);
}

const rendered = hasKubectl
  ? { base: render('deploy/k8s/base'), example: render('deploy/k8s/overlays/example') }
  : undefined;

function workloads(objs: K8sObject[]): K8sObject[] {
  return objs.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
}

function drawbridgeDeployments(objs: K8sObject[]): K8sObject[] {
  return objs.filter(
    (o) =>
      o.kind === 'Deployment' && o.spec.template.metadata.labels['app.kubernetes.io/name'] === 'drawbridge',
  );
}

for (const name of ['base', 'example'] as const) {
  test(`${name}: every Deployment has readiness and liveness probes, requests and limits`, { skip }, () => {
    const deployments = (rendered?.[name] ?? []).filter((o) => o.kind === 'Deployment');
    assert.ok(deployments.length >= 4);
    for (const d of deployments) {
      for (const c of d.spec.template.spec.containers) {
        const who = `${d.metadata.name}/${c.name}`;
        assert.ok(c.readinessProbe, `${who}: readinessProbe`);
        assert.ok(c.livenessProbe, `${who}: livenessProbe`);
        assert.ok(c.resources?.limits?.cpu && c.resources?.limits?.memory, `${who}: limits`);
        assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${who}: requests`);
        assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${who}: read-only root filesystem`);
      }
    }
  });

  test(`${name}: every containerPort is reachable through a Service that selects its pods`, { skip }, () => {
    const objs = rendered?.[name] ?? [];
    const services = objs.filter((o) => o.kind === 'Service');
    for (const w of workloads(objs)) {
      const labels = w.spec.template.metadata.labels as Record<string, string>;
      const selecting = services.filter(
        (s) => s.spec.selector && Object.entries(s.spec.selector).every(([k, v]) => labels[k] === v),
      );
      for (const c of w.spec.template.spec.containers) {
        for (const p of c.ports ?? []) {
          const found = selecting.some((s) =>
            s.spec.ports.some(
              (sp: K8sObject) => sp.targetPort === p.name || sp.targetPort === p.containerPort,
            ),
          );
          assert.ok(
            found,
            `${w.kind} ${w.metadata.name}: port ${p.name ?? ''} ${p.containerPort} has no Service`,
          );
        }
      }
    }
    const lb = services
      .filter((s) => s.spec.type === 'LoadBalancer')
      .flatMap((s) => s.spec.ports.map((p: K8sObject) => p.port));
    assert.deepEqual(lb.sort(), [2222, 443].sort(), 'LoadBalancers for SSH 2222 and HTTPS 443');
  });

  test(`${name}: secrets never inlined in ConfigMaps; config mounted as a directory; drain fits the grace period`, {
    skip,
  }, () => {
    const objs = rendered?.[name] ?? [];
    const configMaps = objs.filter((o) => o.kind === 'ConfigMap');
    assert.ok(configMaps.length >= 1);
    for (const cm of configMaps) {
      for (const [k, v] of Object.entries(cm.data ?? {})) {
        assert.doesNotMatch(String(v), SECRET_KEYS, `ConfigMap ${cm.metadata.name} key ${k} holds a secret`);
      }
      assert.equal(cm.binaryData, undefined);
    }
    const tmp = tempDir('drawbridge-k8s-');
    try {
      for (const d of drawbridgeDeployments(objs)) {
        const spec = d.spec.template.spec;
        const c = spec.containers[0];
        const mount = c.volumeMounts.find((m: K8sObject) => m.mountPath === '/etc/drawbridge');
        assert.ok(mount, `${d.metadata.name}: config mounted at /etc/drawbridge`);
        assert.equal(
          mount.subPath,
          undefined,
          `${d.metadata.name}: subPath mounts never see ConfigMap updates`,
        );
        const volume = spec.volumes.find((v: K8sObject) => v.name === mount.name);
        const cm = configMaps.find((m) => m.metadata.name === volume?.configMap?.name);
        assert.ok(cm, `${d.metadata.name}: config volume is the ConfigMap`);
        assert.ok(
          spec.terminationGracePeriodSeconds >= 35,
          `${d.metadata.name}: terminationGracePeriodSeconds`,
        );
        for (const e of c.env) {
          if (/SECRET/.test(e.name))
            assert.ok(e.valueFrom?.secretKeyRef, `${d.metadata.name}: ${e.name} from a Secret`);
        }

        // The mounted config plus this container's env is a valid config for the service.
        const dir = join(tmp.path, d.metadata.name);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'config.yaml'), cm.data['config.yaml']);
        const env: Record<string, string> = { POD_IP: '10.0.0.7' };
        for (const e of c.env) {
          if (e.valueFrom?.secretKeyRef) env[e.name] = Buffer.alloc(32, e.name.length).toString('base64');
          else if (e.value !== undefined)
            env[e.name] = String(e.value).replace(/\$\((\w+)\)/g, (_, v: string) => env[v] ?? '');
        }
        const { config } = loadConfigFile(dir, { env });
        assert.equal(config.databroker_storage_type, 'redis');
        assert.ok(config.nats_url);
        const drainS = config.ssh_drain_grace_period / 1000;
        assert.ok(
          spec.terminationGracePeriodSeconds >= drainS + 5,
          `${d.metadata.name}: grace covers the ${drainS} s drain`,
        );
        assert.ok(config.health_address);
        const healthPort = Number(config.health_address?.split(':').pop());
        assert.ok(c.ports.some((p: K8sObject) => p.name === 'health' && p.containerPort === healthPort));
        if (d.metadata.name === 'ssh-edge')
          assert.equal(config.ssh_data_plane_advertise_address, '10.0.0.7:7000');
      }
    } finally {
      tmp.cleanup();
    }
  });

  test(`${name}: edges have PodDisruptionBudgets, proxy-edge an HPA, and the namespace defaults to deny`, {
    skip,
  }, () => {
    const objs = rendered?.[name] ?? [];
    const pdbs = objs
      .filter((o) => o.kind === 'PodDisruptionBudget')
      .map((o) => o.spec.selector.matchLabels['app.kubernetes.io/component']);
    assert.deepEqual(pdbs.sort(), ['proxy-edge', 'ssh-edge']);
    const hpa = objs.find((o) => o.kind === 'HorizontalPodAutoscaler');
    assert.equal(hpa?.spec.scaleTargetRef.name, 'proxy-edge');
    const deny = objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny');
    assert.deepEqual(deny?.spec.podSelector, {});
    assert.deepEqual(deny?.spec.policyTypes, ['Ingress', 'Egress']);
    const kinds = new Set(objs.filter((o) => o.kind === 'StatefulSet').map((o) => o.metadata.name));
    assert.deepEqual([...kinds].sort(), ['nats', 'redis']);
    assert.equal(
      objs.some((o) => o.kind === 'Deployment' && o.metadata.name === 'dev-idp'),
      name === 'example',
      'dev-idp only in the example overlay',
    );
  });
}
