// tfjs-core registers no gradients on its own; training needs every kernel's
// gradient in the global registry. Imported once by each entry point.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
