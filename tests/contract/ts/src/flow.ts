// The partner flow through a client generated from docs/openapi.yaml (openapi-typescript, default
// flags) and openapi-fetch: create an integration and its entities, publish, preview the members,
// install into another workspace, list the install's members, detach one, publish again and
// upgrade. Compiled with `tsc --strict`; run by tests/contract/run against the dev stack.
// Settings: INTEGRATIONS_BASE_URL, INTEGRATIONS_JWT_SECRET, INTEGRATIONS_JWT_ISSUER,
// INTEGRATIONS_JWT_AUDIENCE (from .dev/env); NODE_EXTRA_CA_CERTS=.dev/nginx/cert.pem.
import { createHmac, randomBytes } from "node:crypto";
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Entity = components["schemas"]["Entity"];
type EntityCreate = components["schemas"]["EntityCreate"];
type IntegrationCreate = components["schemas"]["IntegrationCreate"];
type InstallCreate = components["schemas"]["InstallCreate"];
type Problem = components["schemas"]["Problem"];

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (source .dev/env)`);
  return v;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

function token(sub: string, workspaces: Record<string, string>): string {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { sub, workspaces, iat: now, exp: now + 600 };
  if (process.env.INTEGRATIONS_JWT_ISSUER) claims.iss = process.env.INTEGRATIONS_JWT_ISSUER;
  if (process.env.INTEGRATIONS_JWT_AUDIENCE) claims.aud = process.env.INTEGRATIONS_JWT_AUDIENCE;
  const input = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" })) + "." + b64url(JSON.stringify(claims));
  const sig = createHmac("sha256", env("INTEGRATIONS_JWT_SECRET")).update(input).digest();
  return input + "." + b64url(sig);
}

// Fails with the problem's code and detail unless the call succeeded with `status`.
function ok<T>(step: string, status: number, r: { data?: T; error?: unknown; response: Response }): T {
  if (r.response.status !== status || r.data === undefined) {
    const p = r.error as Problem | undefined;
    throw new Error(`${step}: expected ${status}, got ${r.response.status} ${p?.code ?? ""} ${p?.detail ?? ""}`);
  }
  console.log(`ok ${step} (${status})`);
  return r.data;
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function main(): Promise<void> {
  const baseUrl = env("INTEGRATIONS_BASE_URL");
  const rnd = randomBytes(6).toString("hex");
  const source = `ws_ts_src_${rnd}`;
  const target = `ws_ts_dst_${rnd}`;
  const author = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${token(`usr_ts_author_${rnd}`, { [source]: "owner" })}` },
  });
  const installer = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${token(`usr_ts_installer_${rnd}`, { [target]: "owner" })}` },
  });

  // Entities: a template and a workflow that depends on it through a {"$ref": "ent_…"} node.
  const templateBody: EntityCreate = {
    workspaceId: source, kind: "template", slug: `tpl-${rnd}`, name: "Failure message",
    definition: { text: "Workflow {{workflow}} failed" },
  };
  const template: Entity = ok("create entity (template)", 201,
    await author.POST("/api/entities", { body: templateBody }));
  const workflow = ok("create entity (workflow)", 201, await author.POST("/api/entities", {
    body: {
      workspaceId: source, kind: "workflow", slug: `wf-${rnd}`, name: "Alert on failure",
      definition: { steps: [{ action: "chat.post", channel: "{{channel}}", template: { $ref: template.id } }] },
    },
  }));

  // An integration whose manifest leaves mode/default/config to their defaults.
  const create: IntegrationCreate = {
    workspaceId: source, slug: `ts-flow-${rnd}`, name: "TS flow",
    manifest: { members: [{ slug: "alert-workflow", entityId: workflow.id }] },
    variablesSchema: { type: "object", required: ["channel"], properties: { channel: { type: "string" }, workflow: { type: "string", default: "nightly" } } },
    authConfig: { type: "none" },
  };
  const integration = ok("create integration", 201, await author.POST("/api/integrations", { body: create }));
  const id = integration.id;

  const v1 = ok("publish 1.0.0", 201, await author.POST("/api/integrations/{id}/publish", {
    params: { path: { id } }, body: { version: "1.0.0", changelog: "First version" },
  }));
  check(v1.memberEntityVersions[template.id] !== undefined, "the template is pinned with the workflow");

  const preview = ok("preview members", 200, await author.GET("/api/integrations/{id}/members", { params: { path: { id } } }));
  const member = preview.members[0];
  check(preview.members.length === 1 && member !== undefined && member.mode === "clone" && member.default,
    "one member, defaults applied");
  check(member!.closure.some((c) => c.entityId === template.id), "the closure holds the template");

  ok("grant to the target workspace", 201, await author.POST("/api/integrations/{id}/grants", {
    params: { path: { id } }, body: { workspaceId: target },
  }));

  const installBody: InstallCreate = { workspaceId: target, variables: { channel: "#alerts" } };
  const install = ok("install", 201, await installer.POST("/api/integrations/{id}/install", {
    params: { path: { id } }, body: installBody, headers: { "Idempotency-Key": `ts-flow-${rnd}` },
  }));
  check(install.integrationVersionId === v1.id, "pinned to 1.0.0");

  const members = ok("list install members", 200, await installer.GET("/api/integration-installs/{id}/members", {
    params: { path: { id: install.id } },
  }));
  const wf = members.members.find((m) => m.role === "member");
  check(wf !== undefined && members.members.some((m) => m.role === "dependency"), "member and its dependency");

  const detached = ok("detach", 200, await installer.POST("/api/integration-members/{id}/detach", {
    params: { path: { id: wf!.id } }, body: { detached: true },
  }));
  check(detached.success === true, "detach answers success");

  ok("publish 1.1.0", 201, await author.POST("/api/integrations/{id}/publish", {
    params: { path: { id } }, body: { version: "1.1.0" },
  }));
  const upgrade = ok("upgrade", 200, await installer.POST("/api/integration-installs/{id}/upgrade", {
    params: { path: { id: install.id } }, body: {},
  }));
  check(Array.isArray(upgrade.skipped), "upgrade result");
  console.log(`flow done: integration ${id}, install ${install.id}, upgrade ${JSON.stringify(upgrade)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
