// BGP communities (internal/bgp/community, config.go communitiesFromCrs and getCommunityValue,
// validation.go findNonLegacyCommunity). The BGPAdvertisement webhook only ever sees the values
// that contain ":" (resetTransientErrorsFields drops the rest, as they may name a Community not
// created yet): an alias naming no Community is refused by the speakers alone.
import { goQuote } from '../go-format.js';
import type { ConfigModel, Entity, Finding } from '../model.js';
import type { BGPAdvertisementSpec, CommunitySpec } from '../shapes.js';
import { webhookChecksReferences } from '../versions.js';

/** community.New's outcome. */
export type ParsedCommunity = { ok: true; legacy: boolean } | { ok: false; format: boolean; error: string };

function parseUint(text: string, bits: 16 | 32): string | null {
  const syntax = `strconv.ParseUint: parsing ${goQuote(text)}: invalid syntax`;
  if (!/^[0-9]+$/.test(text)) return syntax;
  return BigInt(text) >= 1n << BigInt(bits) ? `strconv.ParseUint: parsing ${goQuote(text)}: value out of range` : null;
}

function sectionError(sections: readonly string[], bits: 16 | 32, text: string): string | null {
  for (const section of sections) {
    const error = parseUint(section, bits);
    if (error !== null) {
      const where = `invalid section ${goQuote(section)} of community ${goQuote(text)}`;
      return `invalid community value: ${where}, err: ${goQuote(error)}`;
    }
  }
  return null;
}

/** community.New: `a:b` (legacy, 16-bit halves) or `large:a:b:c` (32-bit parts). */
export function parseCommunity(text: string): ParsedCommunity {
  const sections = text.split(':');
  if (sections.length === 2) {
    const error = sectionError(sections, 16, text);
    return error === null ? { ok: true, legacy: true } : { ok: false, format: false, error };
  }
  if (sections.length === 4) {
    if (sections[0] !== 'large') {
      const error =
        'invalid community value: invalid marker for large community, expected community to be of format ' +
        `large:<uint32>:<uint32>:<uint32> but got ${goQuote(text)} instead`;
      return { ok: false, format: false, error };
    }
    const error = sectionError(sections.slice(1), 32, text);
    return error === null ? { ok: true, legacy: false } : { ok: false, format: false, error };
  }
  return { ok: false, format: true, error: `invalid community format: ${text}` };
}

function communityResourceFindings(model: ConfigModel): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const on of model.communities) {
    (on.spec.communities ?? []).forEach((alias, index) => {
      const [name, value] = [alias.name ?? '', alias.value ?? ''];
      const field = `spec.communities[${index}]`;
      const parsed = parseCommunity(value);
      if (!parsed.ok) {
        const message = `parsing community ${goQuote(name)}: ${parsed.error}`;
        findings.push({ on, rule: 'invalid-community', by: 'webhook', field: `${field}.value`, message });
      } else if (model.bgpType === 'native' && !parsed.legacy) {
        const message =
          'native BGP mode only supports legacy communities, BGP community CR ' +
          `${goQuote(on.object.name)} has non legacy community {${goQuote(name)} ${goQuote(value)}}`;
        findings.push({ on, rule: 'community-not-legacy', by: 'webhook', field: `${field}.value`, message });
      }
      if (seen.has(name)) {
        const message = `duplicate definition of community ${goQuote(name)}`;
        findings.push({ on, rule: 'duplicate-community', by: 'webhook', field: `${field}.name`, message });
      }
      seen.add(name);
    });
  }
  return findings;
}

function advertisementCommunity(on: Entity<BGPAdvertisementSpec>, text: string, context: Context): Finding[] {
  const field = `spec.communities[${context.index}]`;
  const suffix = `; invalid community ${goQuote(text)} in BGP advertisement`;
  if (!text.includes(':')) {
    if (context.aliases.has(text)) return [];
    const message = `invalid community format: ${text}${suffix} (no Community defines the alias ${goQuote(text)})`;
    return [{ on, rule: 'missing-community', by: 'speaker', field, message }];
  }
  const parsed = parseCommunity(text);
  if (!parsed.ok) {
    // A format error is a TransientError: the webhooks before v0.14.0 admitted it.
    const by = parsed.format && context.transientAdmitted ? 'speaker' : 'webhook';
    return [{ on, rule: 'invalid-community', by, field, message: `${parsed.error}${suffix}` }];
  }
  if (context.native && !parsed.legacy) {
    const message =
      'native BGP mode only supports legacy communities, BGP advertisement ' +
      `${goQuote(on.object.name)} has non legacy community ${goQuote(text)}`;
    return [{ on, rule: 'community-not-legacy', by: 'webhook', field, message }];
  }
  return [];
}

interface Context {
  index: number;
  aliases: ReadonlySet<string>;
  native: boolean;
  transientAdmitted: boolean;
}

/** Community resources, and the communities of every BGPAdvertisement. */
export function communityRules(model: ConfigModel): Finding[] {
  const aliases = new Set(
    model.communities.flatMap((community: Entity<CommunitySpec>) =>
      (community.spec.communities ?? []).map((c) => c.name ?? ''),
    ),
  );
  const native = model.bgpType === 'native';
  const transientAdmitted = webhookChecksReferences(model.metallbVersion);
  const fromAdvertisements = model.bgpAdvertisements.flatMap((adv) =>
    (adv.spec.communities ?? []).flatMap((text, index) =>
      advertisementCommunity(adv, text, { index, aliases, native, transientAdmitted }),
    ),
  );
  return [...communityResourceFindings(model), ...fromAdvertisements];
}
