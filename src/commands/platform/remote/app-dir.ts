/** The platform dir of the app behind git remote `remoteName` of the repository in the working directory. */
export async function appDirOf(remoteName: string): Promise<string> {
  const { appDirOfRemote } = await import('../../../platform/remote.js');
  return appDirOfRemote(process.cwd(), remoteName);
}
