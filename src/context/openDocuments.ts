/** A document open in the editor, as the context sources read it. */
export interface OpenDocument {
  uri: string;
  /** Workspace-relative path: the label the model sees. */
  path: string;
  languageId: string;
  text: string;
  /** Editor version (grows with each change); lets caches skip comparing texts. */
  version?: number;
}

/** The documents open in the editor; VS Code's `workspace.textDocuments` adapts to it. */
export interface OpenDocuments {
  list(): OpenDocument[];
}
