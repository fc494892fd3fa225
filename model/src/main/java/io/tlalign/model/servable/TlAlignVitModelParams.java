package io.tlalign.model.servable;

/** The parameters of a fitted TL-Align ViT: where the images are, where the scores go. */
public interface TlAlignVitModelParams<T>
    extends HasFeaturesCol<T>,
        HasPredictionCol<T>,
        HasProbabilityCol<T>,
        HasRawPredictionCol<T>,
        HasNumClasses<T>,
        HasBatchSize<T> {}
