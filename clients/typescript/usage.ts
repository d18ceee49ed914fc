// What a TypeScript app does with the types generated from /api/v1/schema/ (openapi-typescript).
// bin/check-clients generates ../build/typescript/schema.ts and runs `tsc --strict --noEmit` on
// this file: if an operation, a field or an error code changes shape, this stops compiling.

import type { components, paths } from "../build/typescript/schema";
import { errorCodeValues } from "../build/typescript/schema";

type Schemas = components["schemas"];
type ErrorCode = Schemas["ErrorCode"];
type ErrorResponse = Schemas["ErrorResponse"];

type ArtistsList = paths["/api/v1/artists/"]["get"];
type ArtistsQuery = NonNullable<ArtistsList["parameters"]["query"]>;
type ArtistsPage = ArtistsList["responses"][200]["content"]["application/json"];
type ArtistProfile =
  paths["/api/v1/artists/{slug}"]["get"]["responses"][200]["content"]["application/json"];
type AvatarUpload = paths["/api/v1/artists/me/avatar"]["put"];
type AvatarBody = AvatarUpload["requestBody"]["content"]["multipart/form-data"];
type OwnProfile = AvatarUpload["responses"][200]["content"]["application/json"];
type MeUpdate = paths["/api/v1/me"]["patch"];
type MeChanges = NonNullable<MeUpdate["requestBody"]>["content"]["application/json"];
type Me = MeUpdate["responses"][200]["content"]["application/json"];

export class UmbrellaError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorResponse,
  ) {
    super(`${body.error.code}: ${body.error.message}`);
  }
}

function isKnownCode(code: string): code is ErrorCode {
  return (errorCodeValues as readonly string[]).includes(code);
}

/** What to tell a person, by `error.code` (one of `ErrorCode`, or one a newer server adds). */
export function explain(body: ErrorResponse): string {
  const { code, message, details } = body.error;
  if (!isKnownCode(code)) return `Unexpected error (${code}): ${message}`;
  switch (code) {
    case "throttled":
      return `Too many requests; try again in ${String(details["retry_after_seconds"])} s.`;
    case "invalid_token":
    case "not_authenticated":
      return "Please sign in again.";
    case "validation_error":
      return `Please check: ${Object.keys(details).join(", ")}.`;
    default:
      return message;
  }
}

async function call<T>(url: string, init: RequestInit, token?: string): Promise<T> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set("Authorization", `Bearer ${token}`);
  const response = await fetch(url, { ...init, headers });
  if (!response.ok) throw new UmbrellaError(response.status, (await response.json()) as ErrorResponse);
  return (await response.json()) as T;
}

export async function findArtists(base: string, query: ArtistsQuery): Promise<string[]> {
  const slugs: string[] = [];
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  let next: string | null = `${base}/api/v1/artists/?${params.toString()}`;
  while (next !== null) {
    const page: ArtistsPage = await call<ArtistsPage>(next, {});
    slugs.push(...page.results.map((card) => card.slug));
    next = page.next;
  }
  return slugs;
}

export async function artistSummary(base: string, slug: string): Promise<string> {
  const artist = await call<ArtistProfile>(`${base}/api/v1/artists/${encodeURIComponent(slug)}`, {});
  const kinds: Schemas["PerformanceType"][] = artist.performance_types;
  const genres = [artist.primary_genre, ...artist.secondary_genres].join(", ");
  return `${artist.stage_name} (${genres}; ${kinds.join(", ")})`;
}

export async function uploadAvatar(base: string, token: string, image: Blob): Promise<string | null> {
  const field: keyof AvatarBody = "image";
  const form = new FormData();
  form.append(field, image, "avatar.jpg");
  try {
    const profile = await call<OwnProfile>(`${base}/api/v1/artists/me/avatar`, { method: "PUT", body: form }, token);
    return profile.avatar_url;
  } catch (error) {
    if (error instanceof UmbrellaError && (error.status === 413 || error.status === 415)) {
      console.error(explain(error.body));
      return null;
    }
    throw error;
  }
}

export async function moveTo(base: string, token: string, timezone: string): Promise<Me> {
  const changes: MeChanges = { timezone };
  const me = await call<Me>(
    `${base}/api/v1/me`,
    { method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify(changes) },
    token,
  );
  if (me.role === "") console.log("Next: choose a role (POST /api/v1/onboarding/role).");
  return me;
}
