/**
 * The Alibaba Cloud region ids kms-local accepts, in one place. Each region is its own namespace
 * (a folder of the store), so a mistyped id would silently be a new, empty one: an id not listed
 * here is refused with the nearest ones suggested, unless a profile adds it (private regions,
 * `configure set --extra-regions`). Pure: no file system.
 *
 * Sources (read 2026-11): the KMS endpoint pages of Alibaba Cloud's API reference
 * (api-kms-2016-01-20-endpoint, "Regions and endpoints" of Key Management Service) and the region
 * lists of other products' endpoint pages for the industry clouds; see
 * docs/reference/aliyun-kms-api.md §9. Closed regions stay listed: stores may still hold them.
 */
import { isRegionId } from './model.js';

export const ALIBABA_CLOUD_REGIONS: readonly string[] = [
  // China
  'cn-qingdao', 'cn-beijing', 'cn-zhangjiakou', 'cn-huhehaote', 'cn-wulanchabu', 'cn-hangzhou',
  'cn-shanghai', 'cn-nanjing', 'cn-fuzhou', 'cn-wuhan-lr', 'cn-shenzhen', 'cn-heyuan', 'cn-guangzhou',
  'cn-chengdu', 'cn-hongkong',
  // Asia Pacific
  'ap-northeast-1', 'ap-northeast-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3',
  'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7', 'ap-south-1',
  // Europe and Americas
  'eu-central-1', 'eu-west-1', 'us-east-1', 'us-west-1',
  // Middle East
  'me-east-1', 'me-central-1',
  // Industry clouds (finance, government)
  'cn-hangzhou-finance', 'cn-shanghai-finance-1', 'cn-shenzhen-finance-1', 'cn-beijing-finance-1',
  'cn-north-2-gov-1',
];

/** Whether `region` may be used: a listed region, or one of `extra` (a profile's private regions). */
export function isKnownRegion(region: string, extra: readonly string[] = []): boolean {
  return ALIBABA_CLOUD_REGIONS.includes(region) || (isRegionId(region) && extra.includes(region));
}
