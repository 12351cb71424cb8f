/** SSM Automation remediation entry point (placeholder until remediation lands). */
export async function handler(): Promise<never> {
  throw new Error('not implemented yet');
}
