/** AWS Config custom rule entry point (placeholder until the rule lands). */
export async function handler(): Promise<never> {
  throw new Error('not implemented yet');
}
