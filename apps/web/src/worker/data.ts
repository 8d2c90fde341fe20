import { ServedData } from '@latent/train';
import { post } from './post.js';

/** Side of the images a picked folder is scaled and cropped to (the zoo's 28x28 models). */
export const FOLDER_SIZE = 28;
/** The dataset name a picked folder's runs record: the page cannot know its path. */
export const PICKED_FOLDER = 'image folder';

/** The data the app serves at data/<name>/, fetched once per page. */
export const served = new ServedData(
  new URL(`${import.meta.env.BASE_URL}data/`, location.href).href,
  (what, loaded, total) => post({ type: 'loading', what, loaded, total }),
);

/** The page's data loader for `resolveRun`: served sets, toys, and the folder the user picked. */
export function pageLoader(folder?: File[]) {
  return served.loader(folder, FOLDER_SIZE, PICKED_FOLDER);
}
