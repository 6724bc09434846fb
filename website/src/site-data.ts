// The chapters, as the build-time plugin found them (see plugins/bramble.ts).
import { usePluginData } from '@docusaurus/useGlobalData';
import type { ChapterSummary, SiteData } from './data';

export function useChapters(): ChapterSummary[] {
  return (usePluginData('bramble') as SiteData).chapters;
}

/** The address of the emulator's worker script. */
export function useWorkerScript(): string {
  return (usePluginData('bramble') as SiteData).worker;
}
