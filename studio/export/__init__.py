"""Export: platform-exact files with recipe and AIGC labels inside, packages, compliance, variants, A/B stats.

files.write_poster_file   one poster → one file ({sku}_{platform}_{variant}.{ext}), atomic
labels.add_visible_label  the visible "AI生成" mark
package.write_package     manifest.csv, recipes/, compliance report, posters.zip
compliance.check_file     platform rules: passed / failed / not_checked, with reasons
variants.make_variants    A/B/C… recipes varying seed, scene, style, copy or layout
abtest.ab_stats           CTR/CVR with Wilson CIs, z-tests, P(best), winner or "not yet"
project.save_project      the `.poster` project file

Nothing is imported here, so `import studio.export` stays cheap.
"""
