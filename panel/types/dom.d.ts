// The element `h(selector)` makes, from the tag its selector starts with: h("input#q") is an
// HTMLInputElement, h("div.card") an HTMLDivElement; a selector only known at run time, or a
// tag tsc does not know, gives HTMLElement.
type TagOfSelector<S extends string> =
  S extends `${infer T}#${string}` ? TagOfSelector<T> :
  S extends `${infer T}.${string}` ? TagOfSelector<T> :
  S;
type ElementOf<S extends string> =
  TagOfSelector<S> extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[TagOfSelector<S>] : HTMLElement;

/** h()'s attributes: `on*` handlers (onclick gets a MouseEvent, onkeydown a KeyboardEvent, as
 * the DOM's own event map says), `dataset` (data-* attributes), `value`/`checked` set as
 * properties, anything else as an attribute (null, undefined and false leave it out). */
type DomAttrs = {
  [K in keyof HTMLElementEventMap as `on${K}`]?: ((ev: HTMLElementEventMap[K]) => unknown) | null | false;
} & {
  dataset?: Record<string, string | number | boolean>;
  [k: string]: unknown;
};

/** What h() and append() take as children: nodes, text, and nested lists of them. */
type DomChild = Node | string | number | boolean | null | undefined | DomChild[];
