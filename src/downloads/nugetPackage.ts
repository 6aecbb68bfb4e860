import { fetchJson } from './download';

/** Where a NuGet package version lives and the hash its feed publishes for it. */
export interface NugetPackage {
  url: string;
  sha512Base64: string;
}

interface ServiceIndex {
  resources: { '@id': string; '@type': string }[];
}

/**
 * Resolves a package through the NuGet v3 API, as onnxruntime-node's own installer does
 * (service index -> PackageBaseAddress), and also fetches the catalog entry for the package's
 * SHA-512, which that installer skips, so the download can be verified.
 */
export async function resolveNugetPackage(indexUrl: string, id: string, version: string, signal?: AbortSignal): Promise<NugetPackage> {
  const index = await fetchJson<ServiceIndex>(indexUrl, signal);
  const find = (type: string) => index.resources.find((r) => r['@type'].startsWith(type))?.['@id'];
  const base = find('PackageBaseAddress/3.0.0');
  const registrations = find('RegistrationsBaseUrl');
  if (!base || !registrations) throw new Error(`${indexUrl} is not a NuGet v3 service index`);
  const lower = { id: id.toLowerCase(), version: version.toLowerCase() };
  const leaf = await fetchJson<{ catalogEntry: string | { '@id': string } }>(`${withSlash(registrations)}${lower.id}/${lower.version}.json`, signal);
  const catalogUrl = typeof leaf.catalogEntry === 'string' ? leaf.catalogEntry : leaf.catalogEntry['@id'];
  const entry = await fetchJson<{ packageHash?: string; packageHashAlgorithm?: string }>(catalogUrl, signal);
  if (!entry.packageHash || entry.packageHashAlgorithm?.toUpperCase() !== 'SHA512') {
    throw new Error(`The catalog entry of ${id} ${version} publishes no SHA-512; refusing an unverifiable download`);
  }
  return { url: `${withSlash(base)}${lower.id}/${lower.version}/${lower.id}.${lower.version}.nupkg`, sha512Base64: entry.packageHash };
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
